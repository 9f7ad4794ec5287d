"""Each real adapter, through its real SDK (or httpx), against a stub server on loopback."""

import json

import pytest

from aigen.providers.base import ProviderError
from aigen.registry import provider_build
from aigen.story import STORY_SCHEMA, story_parse

from .stubs import STORY, Reply, StubServer, png_bytes, stream_reply, success_body

# (AI_MODELS entry, provider key, wire format, what it does, base-url suffix)
ADAPTERS = [
    ("text:fast", "gemini", "gemini", "story", ""),
    ("text:premium", "openai", "openai", "story", "/v1"),
    ("image:premium", "openai", "openai-image", "image", "/v1"),
    ("image:fast", "stability", "stability", "image", ""),
    ("text:anthropic", "anthropic", "anthropic", "story", ""),
]
IDS = [f"{a[2]}" for a in ADAPTERS]


@pytest.fixture
def stub():
    with StubServer() as server:
        yield server


def adapter(settings, stub, entry, provider, suffix, *, timeout=5, retries=2):
    settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, provider: "test-key"}
    settings.AI_PROVIDER_MAX_RETRIES = retries
    settings.AI_MODELS = {
        **settings.AI_MODELS,
        entry: {**settings.AI_MODELS[entry], "base_url": stub.url + suffix, "timeout": timeout},
    }
    return provider_build(entry)


def call(instance, what):
    if what == "story":
        return instance.story(system="Write.", prompt="Premise:\nA kite\n\nVariation: 0", schema=STORY_SCHEMA)
    return instance.image(prompt="A kite")


def answer(wire: str) -> Reply:
    """A successful answer: streamed for text (every text adapter streams), whole for images."""
    if wire in ("gemini", "openai", "anthropic"):
        return stream_reply(wire)
    body, kind = success_body(wire)
    return Reply(body=body, content_type=kind)


def check_success(result, what):
    if what == "story":
        assert story_parse(result.text)["title"] == STORY["title"]
    else:
        assert result.data == png_bytes()


@pytest.mark.parametrize(("entry", "provider", "wire", "what", "suffix"), ADAPTERS, ids=IDS)
def test_the_adapter_returns_the_providers_answer(settings, stub, entry, provider, wire, what, suffix):
    stub.script = [answer(wire)]

    result = call(adapter(settings, stub, entry, provider, suffix), what)

    check_success(result, what)
    assert len(stub.requests) == 1
    assert "test-key" in json.dumps(stub.requests[0][2])  # the key went in the provider's header


@pytest.mark.parametrize(("entry", "provider", "wire", "what", "suffix"), ADAPTERS, ids=IDS)
def test_the_adapter_retries_a_429_then_succeeds(settings, stub, entry, provider, wire, what, suffix):
    stub.script = [Reply(status=429, body=b'{"error": {"message": "slow down"}}'), answer(wire)]

    result = call(adapter(settings, stub, entry, provider, suffix), what)

    check_success(result, what)
    assert len(stub.requests) == 2


@pytest.mark.parametrize(("entry", "provider", "wire", "what", "suffix"), ADAPTERS, ids=IDS)
def test_a_500_fails_with_a_retryable_provider_error_after_bounded_retries(
    settings, stub, entry, provider, wire, what, suffix
):
    stub.script = [Reply(status=500, body=b'{"error": {"message": "boom"}}')]

    with pytest.raises(ProviderError) as failure:
        call(adapter(settings, stub, entry, provider, suffix, retries=2), what)

    assert failure.value.provider == provider and failure.value.retryable and failure.value.status == 500
    assert len(stub.requests) == 3


@pytest.mark.parametrize(("entry", "provider", "wire", "what", "suffix"), ADAPTERS, ids=IDS)
def test_a_timeout_fails_with_a_retryable_provider_error(settings, stub, entry, provider, wire, what, suffix):
    stub.script = [answer(wire)]
    stub.script[0].delay = 1.5

    with pytest.raises(ProviderError) as failure:
        call(adapter(settings, stub, entry, provider, suffix, timeout=0.3, retries=0), what)

    assert failure.value.provider == provider and failure.value.retryable
    assert "timed out" in failure.value.message


@pytest.mark.parametrize(("entry", "provider", "wire", "what", "suffix"), ADAPTERS, ids=IDS)
def test_a_malformed_body_fails_without_retrying(settings, stub, entry, provider, wire, what, suffix):
    stub.script = [Reply(body=b"<html>not what you expected", content_type="application/json")]

    with pytest.raises(ProviderError) as failure:
        call(adapter(settings, stub, entry, provider, suffix), what)

    assert failure.value.provider == provider and not failure.value.retryable
    assert len(stub.requests) == 1
