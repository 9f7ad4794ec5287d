"""The text fault matrix: Gemini, OpenAI and Anthropic, each through its real SDK to a strict
stub (text_stubs), answering 500, 429 with Retry-After, too late, a malformed stream, a stream
cut half-way, or a refusal (and each provider's own: Gemini's blocked answer, OpenAI's
content_filter, Anthropic's overloaded error event).

What the user gets: the next provider in the chain serves and the story is charged once; when
every provider fails, 502 GENERATION_FAILED with creditsUsed 0, refunded once. The usage rows
say what happened. The breaker counts outages (5xx, 429, timeout, a dropped stream) and not
refusals or malformed answers: the provider answered, so it is up, and opening its breaker
would send everyone's requests elsewhere because one prompt was refused."""

import pytest
from django.core.management import call_command

from aigen.breaker import breaker_state
from aigen.models import AIUsageLog, GenerationJob
from credits.models import CreditTransaction

from ..credits.balances import held
from .text_stubs import ENTRIES, SUFFIXES, TEXT_FAULTS, TEXT_FAULTS_OWN

pytestmark = pytest.mark.django_db(transaction=True)

OUTCOME = {
    "server_error": "server_error",
    "rate_limited": "rate_limited",
    "timeout": "timeout",
    "malformed": "invalid_answer",
    "cut": "unreachable",
    "refusal": "refused",
    "blocked_answer": "refused",
    "content_filter": "refused",
    "error_event": "server_error",  # Anthropic's overloaded_error stands for its HTTP 529
}
OUTAGES = {"server_error", "rate_limited", "timeout", "cut", "error_event"}  # what the breaker counts
NEXT = {"gemini": "openai", "openai": "anthropic", "anthropic": "gemini"}
MODELS = {"gemini": "gemini-2.5-flash", "openai": "gpt-4o", "anthropic": "claude-sonnet-5"}
CASES = [(provider, fault) for provider in NEXT for fault in TEXT_FAULTS] + list(TEXT_FAULTS_OWN)


@pytest.fixture
def chain_of_two(settings, text_stubs):
    """text:fast made of two providers: `first`, then `second` (each on its own stub)."""

    def make(first: str, second: str):
        fast = settings.AI_MODELS["text:fast"]
        settings.AI_MODELS = {
            **settings.AI_MODELS,
            "text:fast": {**settings.AI_MODELS[ENTRIES[first]], "credits": fast["credits"], "fallback": ["text:next"]},
            "text:next": {**settings.AI_MODELS[ENTRIES[second]], "fallback": []},
        }

    return make


def story(owner_api):
    return owner_api.post("/api/ai/generate-story", {"premise": "A kite that will not land"}, format="json")


def usage(job: GenerationJob) -> list[tuple[str, str]]:
    return list(AIUsageLog.objects.filter(job=job).order_by("id").values_list("provider", "outcome"))


@pytest.mark.parametrize("provider, fault", CASES)
def test_a_faulty_text_provider_hands_over_to_the_next_or_the_story_is_refunded(
    owner_api,
    funded,
    paid,
    settings,
    text_stubs,
    chain_of_two,
    provider,
    fault,
):
    settings.AI_BREAKER = {"default": {"failures": 1, "window_seconds": 60, "cooldown_seconds": 60}}
    second = NEXT[provider]
    chain_of_two(provider, second)
    text_stubs[provider].fault = fault

    response = story(owner_api)

    body = response.json()
    job = GenerationJob.objects.get()
    if fault == "cut":  # half the story had reached the user: no second story, a refund
        assert (response.status_code, body["code"]) == (502, "GENERATION_FAILED")
        assert body["creditsUsed"] == 0 and body["refunded"] is True
        assert usage(job) == [(provider, "unreachable")] and text_stubs[second].calls() == 0
        assert held(funded) == (1000, 0) and CreditTransaction.objects.filter(type="refund").count() == 1
    else:
        assert response.status_code == 200, body
        assert body["creditsUsed"] == 3 and body["placeholder"] is False and job.provider == second
        assert usage(job) == [(provider, OUTCOME[fault]), (second, "succeeded")]
        receipt = owner_api.get(f"/api/ai/jobs/{job.pk}").json()["receipt"]
        assert receipt["credits"] == {"charged": 3, "refunded": 0, "net": 3}
        assert held(funded) == (997, 0) and not CreditTransaction.objects.filter(type="refund").exists()
    failed_row = AIUsageLog.objects.filter(job=job, provider=provider).get()
    assert failed_row.status == "failed" and failed_row.credits == 0
    expected = "open" if fault in OUTAGES else "closed"
    assert breaker_state(provider=provider, model=MODELS[provider]) == expected
    assert not AIUsageLog.objects.filter(provider="local").exists()
    call_command("credits_audit")


@pytest.mark.parametrize("fault", [fault for fault in TEXT_FAULTS if fault != "cut"])
def test_when_every_text_provider_fails_the_story_answers_502_and_is_refunded_once(
    owner_api,
    funded,
    paid,
    text_stubs,
    fault,
):
    for stub in text_stubs.values():
        stub.fault = fault

    response = story(owner_api)

    body = response.json()
    assert (response.status_code, body["code"]) == (502, "GENERATION_FAILED")
    assert body["creditsUsed"] == 0 and body["refunded"] is True and "not charged" in body["error"]
    job = GenerationJob.objects.get()
    assert job.status == "failed" and job.refunded and job.result is None
    assert usage(job) == [(p, OUTCOME[fault]) for p in ("gemini", "openai", "anthropic")]
    assert CreditTransaction.objects.filter(type="refund").count() == 1
    assert held(funded) == (1000, 0)
    receipt = owner_api.get(f"/api/ai/jobs/{job.pk}").json()["receipt"]
    assert receipt["credits"] == {"charged": 3, "refunded": 3, "net": 0} and receipt["provider"] is None
    call_command("credits_audit")


def test_an_open_breaker_sends_the_story_to_the_next_provider_without_calling_the_dead_one(
    owner_api,
    funded,
    paid,
    settings,
    text_stubs,
):
    settings.AI_BREAKER = {"default": {"failures": 1, "window_seconds": 60, "cooldown_seconds": 60}}
    text_stubs["gemini"].fault = "timeout"
    story(owner_api)  # opens gemini's breaker
    calls = text_stubs["gemini"].calls()

    response = owner_api.post("/api/ai/generate-story", {"premise": "Another kite"}, format="json")

    assert response.status_code == 200 and text_stubs["gemini"].calls() == calls
    job = GenerationJob.objects.get(pk=response.json()["job_id"])
    assert usage(job) == [("gemini", "skipped"), ("openai", "succeeded")]


# --- The strict stubs refuse what the real APIs refuse ---------------------------------------


def test_the_text_stubs_answer_a_wrong_request_as_the_real_apis_do(text_stubs):
    import httpx

    gemini, openai, anthropic = (text_stubs[p].url + SUFFIXES[p] for p in ("gemini", "openai", "anthropic"))
    answers = [
        httpx.post(f"{gemini}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", json={"contents": []}),
        httpx.post(
            f"{gemini}/v1beta/models/gemini-2.0-flash:generateContent",
            headers={"x-goog-api-key": "g-key"},
            json={"contents": [{"parts": [{"text": "x"}]}]},
        ),
        httpx.post(f"{openai}/chat/completions", headers={"authorization": "Bearer wrong"}, json={}),
        httpx.post(
            f"{openai}/chat/completions",
            headers={"authorization": "Bearer o-key"},
            json={
                "model": "gpt-4o",
                "messages": [{"role": "user", "content": "x"}],
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "story", "strict": True, "schema": {"type": "object", "properties": {}}},
                },
            },
        ),
        httpx.post(f"{anthropic}/v1/messages", headers={"x-api-key": "a-key"}, json={"model": "claude-sonnet-5"}),
        httpx.post(
            f"{anthropic}/v1/messages",
            headers={"x-api-key": "a-key", "anthropic-version": "2023-06-01"},
            json={"model": "claude-sonnet-5", "messages": [{"role": "user", "content": "x"}]},
        ),
    ]

    assert [answer.status_code for answer in answers] == [403, 404, 401, 400, 400, 400]
    assert answers[0].json()["error"]["status"] == "PERMISSION_DENIED"
    assert answers[2].json()["error"]["code"] == "invalid_api_key"
    assert "additionalProperties" in answers[3].json()["error"]["message"]
    assert answers[4].json()["error"]["message"] == "anthropic-version: header is required"
    assert answers[5].json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"},
        "request_id": "req_stub",
    }
    for stub in text_stubs.values():
        assert len(stub.violations) == 2
        stub.violations.clear()  # seen: the fixture's own check would fail the test


def test_a_request_the_real_api_would_refuse_fails_the_story(owner_api, funded, paid, settings, text_stubs):
    settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, "gemini": "a-wrong-key"}

    response = story(owner_api)

    assert response.status_code == 200  # openai served it
    job = GenerationJob.objects.get()
    assert usage(job) == [("gemini", "rejected"), ("openai", "succeeded")]
    assert text_stubs["gemini"].violations == [
        "gemini POST /v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse: 400 "
        "API key not valid. Please pass a valid API key."
    ]
    text_stubs["gemini"].violations.clear()
