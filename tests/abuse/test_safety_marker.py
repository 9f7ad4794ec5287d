"""The adapters mark a provider's safety refusal (the abuse rule counts them); other failures stay unmarked.

Each adapter runs through its real SDK (or httpx) against a stub server speaking its wire format.
"""

import json

import pytest

from aigen.providers.base import SAFETY_MARKER, ProviderError
from aigen.registry import provider_build
from aigen.story import STORY_SCHEMA

from ..aigen.stubs import Reply, StubServer, png_bytes

OPENAI_BLOCKED = {
    "error": {
        "message": "Your request was rejected by the safety system.",
        "type": "image_generation_user_error",
        "param": None,
        "code": "moderation_blocked",
    }
}
STABILITY_MODERATED = {"id": "x", "name": "content_moderation", "errors": ["Your request was flagged."]}
GEMINI_BLOCKED = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}}
GEMINI_CUT = {"candidates": [{"finishReason": "PROHIBITED_CONTENT"}], "usageMetadata": {"promptTokenCount": 5}}
GEMINI_EMPTY = {"candidates": [{"content": {"role": "model", "parts": []}, "finishReason": "STOP"}]}

# (entry, provider, base-url suffix, what, reply, refused on safety grounds)
CASES = [
    ("image:fast", "stability", "", "image", Reply(body=png_bytes(), content_type="image/png",
                                                   headers={"finish-reason": "CONTENT_FILTERED"}), True),
    ("image:fast", "stability", "", "image", Reply(status=403, body=json.dumps(STABILITY_MODERATED).encode()), True),
    ("image:fast", "stability", "", "image", Reply(status=400, body=b'{"name": "bad_request"}'), False),
    ("image:premium", "openai", "/v1", "image", Reply(status=400, body=json.dumps(OPENAI_BLOCKED).encode()), True),
    ("image:premium", "openai", "/v1", "image", Reply(status=400, body=b'{"error": {"message": "bad size"}}'), False),
    ("text:fast", "gemini", "", "story", Reply(body=json.dumps(GEMINI_BLOCKED).encode()), True),
    ("text:fast", "gemini", "", "story", Reply(body=json.dumps(GEMINI_CUT).encode()), True),
    ("text:fast", "gemini", "", "story", Reply(body=json.dumps(GEMINI_EMPTY).encode()), False),
]  # fmt: skip
IDS = [
    "stability-filtered",
    "stability-moderation-403",
    "stability-400",
    "openai-moderation-blocked",
    "openai-400",
    "gemini-prompt-blocked",
    "gemini-answer-blocked",
    "gemini-empty",
]


@pytest.mark.parametrize(("entry", "provider", "suffix", "what", "reply", "refused"), CASES, ids=IDS)
def test_a_safety_refusal_is_marked_and_nothing_else_is(settings, entry, provider, suffix, what, reply, refused):
    with StubServer() as stub:
        stub.script = [reply]
        settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, provider: "test-key"}
        settings.AI_PROVIDER_MAX_RETRIES = 0
        settings.AI_MODELS = {**settings.AI_MODELS, entry: {**settings.AI_MODELS[entry], "base_url": stub.url + suffix}}
        adapter = provider_build(entry)

        with pytest.raises(ProviderError) as caught:
            if what == "story":
                adapter.story(system="Write.", prompt="Premise: a kite", schema=STORY_SCHEMA)
            else:
                adapter.image(prompt="A kite")

    assert caught.value.safety is refused
    assert (SAFETY_MARKER in str(caught.value)) is refused
    assert caught.value.retryable is False
