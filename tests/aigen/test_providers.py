"""Each real adapter, through its real SDK (or httpx), against a stub server on loopback."""

import json
import time

import pytest

from aigen.providers.base import ProviderError
from aigen.registry import provider_build
from aigen.story import STORY_SCHEMA, story_parse

from .stubs import STORY, Reply, StubServer, png_bytes, stream_reply, success_body
from .text_stubs import STUBS

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
def stub(request, settings):
    """A text adapter's strict stub (a request the real API refuses fails the test), or a
    plain one for the images (their strict stubs have their own fault matrix)."""
    params = request.node.callspec.params
    if params["what"] != "story":
        with StubServer() as server:
            yield server
        return
    model = settings.AI_MODELS[params["entry"]]["model"]
    with STUBS[params["wire"]](key="test-key", model=model) as server:
        yield server
    assert not server.violations, "requests the real API would refuse:\n" + "\n".join(server.violations)


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
def test_a_429_is_retried_after_its_retry_after_not_sooner(settings, stub, entry, provider, wire, what, suffix):
    settings.AI_PROVIDER_BACKOFF_SECONDS = 0.01
    stub.script = [Reply(status=429, body=b'{"error": {"message": "slow down"}}', headers={"retry-after": "1"})]
    stub.script.append(answer(wire))
    instance = adapter(settings, stub, entry, provider, suffix, retries=1)
    started = time.monotonic()

    check_success(call(instance, what), what)

    assert time.monotonic() - started >= 1 and len(stub.requests) == 2


@pytest.mark.parametrize(("entry", "provider", "wire", "what", "suffix"), ADAPTERS, ids=IDS)
def test_a_429_asking_for_longer_than_the_cap_goes_to_the_next_provider_at_once(
    settings, stub, entry, provider, wire, what, suffix
):
    settings.AI_PROVIDER_RETRY_AFTER_MAX_SECONDS = 10
    stub.script = [Reply(status=429, body=b'{"error": {"message": "slow down"}}', headers={"retry-after": "3600"})]

    with pytest.raises(ProviderError) as failure:
        call(adapter(settings, stub, entry, provider, suffix, retries=2), what)

    assert failure.value.retryable and failure.value.retry_after == 3600  # the breaker counts it
    assert len(stub.requests) == 1  # no retry: this provider asked for an hour


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


# --- Streaming: every text adapter, the provider's wire format piece by piece -------------

TEXT_ADAPTERS = [a for a in ADAPTERS if a[3] == "story"]
TEXT_IDS = [a[2] for a in TEXT_ADAPTERS]


@pytest.mark.parametrize(("entry", "provider", "wire", "what", "suffix"), TEXT_ADAPTERS, ids=TEXT_IDS)
def test_the_text_arrives_in_pieces_with_the_final_usage(settings, stub, entry, provider, wire, what, suffix):
    stub.script = [stream_reply(wire, pieces=5)]

    chunks = list(
        adapter(settings, stub, entry, provider, suffix).story_stream(
            system="Write.", prompt="Premise:\nA kite", schema=STORY_SCHEMA
        )
    )

    texts = [chunk.text for chunk in chunks if chunk.text]
    assert len(texts) == 5 and story_parse("".join(texts))["title"] == STORY["title"]
    assert (chunks[-1].tokens_in, chunks[-1].tokens_out) == (11, 22)


@pytest.mark.parametrize(("entry", "provider", "wire", "what", "suffix"), TEXT_ADAPTERS, ids=TEXT_IDS)
def test_a_stream_cut_off_half_way_raises_after_its_text_without_retrying(
    settings, stub, entry, provider, wire, what, suffix
):
    stub.script = [stream_reply(wire, pieces=6, cut=True)]
    received = []

    with pytest.raises(ProviderError) as failure:
        for chunk in adapter(settings, stub, entry, provider, suffix).story_stream(
            system="Write.", prompt="Premise:\nA kite", schema=STORY_SCHEMA
        ):
            received.append(chunk.text)

    assert "".join(received) and "stopped before it was complete" in failure.value.message
    assert len(stub.requests) == 1  # text had reached the user: no second story


@pytest.mark.parametrize(("entry", "provider", "wire", "what", "suffix"), TEXT_ADAPTERS, ids=TEXT_IDS)
def test_a_cut_off_story_fails_its_job_refunds_once_and_saves_nothing(
    settings, stub, owner_api, funded, paid, entry, provider, wire, what, suffix
):
    from aigen.models import GenerationJob
    from credits.models import CreditTransaction

    adapter(settings, stub, entry, provider, suffix)
    settings.AI_MODELS = {**settings.AI_MODELS, "text:fast": {**settings.AI_MODELS[entry], "fallback": ["text:local"]}}
    stub.script = [stream_reply(wire, pieces=6, cut=True)]

    response = owner_api.post("/api/ai/generate-story", {"premise": "A kite"}, format="json")

    assert response.status_code == 502 and response.json()["code"] == "GENERATION_FAILED"
    assert response.json()["remainingCredits"] == 1000
    job = GenerationJob.objects.get()
    assert job.status == "failed" and job.refunded and job.result is None and not job.output_file
    assert CreditTransaction.objects.filter(type="refund").count() == 1
    assert job.provider == provider  # the local fallback did not write a story after the cut


@pytest.mark.parametrize(("entry", "provider", "wire", "what", "suffix"), TEXT_ADAPTERS[:1], ids=TEXT_IDS[:1])
def test_gemini_gets_the_request_the_sdks_typed_call_sends(settings, stub, entry, provider, wire, what, suffix):
    """The adapter writes the JSON body itself (the typed path's pydantic cost): it must stay
    the request google-genai's generate_content_stream sends for the same arguments."""
    from google.genai import types

    from aigen.prompts import STORY_SYSTEM
    from aigen.providers.gemini import _client

    stub.script = [stream_reply(wire, pieces=3), stream_reply(wire, pieces=3)]
    instance = adapter(settings, stub, entry, provider, suffix)
    list(instance.story_stream(system=STORY_SYSTEM, prompt="Premise:\nA kite", schema=STORY_SCHEMA))
    config = types.GenerateContentConfig(
        system_instruction=STORY_SYSTEM, response_mime_type="application/json", temperature=0.9, max_output_tokens=4096
    )
    list(
        _client(instance.config, "gemini").models.generate_content_stream(
            model=instance.config.model, contents="Premise:\nA kite", config=config
        )
    )

    (ours_method, ours_path, ours_headers, ours), (sdk_method, sdk_path, sdk_headers, sdk) = stub.requests
    assert (ours_method, ours_path) == (sdk_method, sdk_path)
    assert ours_headers["x-goog-api-key"] == sdk_headers["x-goog-api-key"] == "test-key"
    assert json.loads(ours) == json.loads(sdk)
