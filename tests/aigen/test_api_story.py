import pytest
from django.core.files.storage import default_storage

from aigen.models import AIUsageLog, GenerationJob
from credits.models import CreditTransaction, TrialUsage

from ..credits.balances import held

pytestmark = pytest.mark.django_db

URL = "/api/ai/generate-story"


def post(client, body, **headers):
    return client.post(URL, body, format="json", headers=headers)


def test_it_writes_a_story_on_local_and_charges_the_fast_price(owner_api, funded):
    response = post(owner_api, {"premise": "A girl finds a talking kite in Jakarta", "quality": "fast"})

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["cached"] is False
    assert body["creditsUsed"] == 3 and body["remainingCredits"] == 997
    assert 5 <= len(body["data"]["beats"]) <= 12
    assert set(body["data"]) == {"title", "logline", "genre", "characters", "beats"}
    job = GenerationJob.objects.get(pk=body["job_id"])
    assert job.status == "succeeded" and job.provider == "local"
    assert default_storage.exists(job.output_file)
    assert AIUsageLog.objects.filter(job=job, status="succeeded", credits=3).count() == 1


def test_another_variation_gives_another_story(owner_api, funded):
    first = post(owner_api, {"premise": "A lighthouse keeper and a whale", "variation": 1}).json()["data"]
    second = post(owner_api, {"premise": "A lighthouse keeper and a whale", "variation": 2}).json()["data"]

    assert first != second  # another variation is another story


def test_a_cache_hit_is_free_and_says_cached(owner_api, funded):
    post(owner_api, {"premise": "A cat runs a night market"})

    again = post(owner_api, {"premise": "A cat runs a night market"})

    assert again.status_code == 200
    assert again.json()["cached"] is True and again.json()["creditsUsed"] == 0
    assert held(funded) == (997, 0)
    assert AIUsageLog.objects.filter(cache_hit=True).count() == 1


def test_the_cache_is_not_shared_between_organizations(owner_api, funded, outsider, api_client):
    post(owner_api, {"premise": "A shared premise"})
    api_client.force_authenticate(outsider)

    response = post(api_client, {"premise": "A shared premise"})

    assert response.json()["cached"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"premise": ""},
        {"premise": "x" * 20000},
        {"premise": "ok", "quality": "ultra"},
        {},
        {"premise": "ok", "variation": -1},
    ],
)
def test_bad_input_is_a_400_without_charge_or_job(owner_api, funded, body):
    response = post(owner_api, body)

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert held(funded) == (1000, 0)
    assert not GenerationJob.objects.exists()


def test_a_non_json_body_is_a_400(owner_api, funded):
    response = owner_api.post(URL, "premise=hello", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert not GenerationJob.objects.exists()


def test_an_unknown_project_is_not_found_without_charge(owner_api, funded):
    response = post(owner_api, {"premise": "A premise", "project_id": "0b7b8d3a-0000-4000-8000-000000000000"})

    assert response.status_code == 404
    assert response.json() == {"error": "Project not found.", "code": "NOT_FOUND"}
    assert held(funded) == (1000, 0)
    assert not GenerationJob.objects.exists()


def test_no_credits_is_a_402_that_returns_the_trial_slot(owner_api, organization, owner):
    used_before = TrialUsage.objects.get(user=owner).used

    response = post(owner_api, {"premise": "A premise"})

    assert response.status_code == 402
    assert response.json()["code"] == "NO_CREDITS" and response.json()["remainingCredits"] == 0
    assert TrialUsage.objects.get(user=owner).used == used_before
    assert not GenerationJob.objects.exists()


def test_a_used_up_trial_is_a_403_trial_limit(owner_api, funded, owner):
    TrialUsage.objects.filter(user=owner).update(used=2)

    response = post(owner_api, {"premise": "A premise"})

    assert response.status_code == 403
    assert response.json()["code"] == "TRIAL_LIMIT" and response.json()["upgradeUrl"] == "/billing/"
    assert held(funded) == (1000, 0)


def test_a_paid_plan_takes_no_trial_slot(owner_api, funded, paid, owner):
    post(owner_api, {"premise": "A premise"})

    assert TrialUsage.objects.get(user=owner).used == 0


def test_an_idempotent_replay_answers_the_first_response_and_charges_once(owner_api, funded, settings):
    settings.AI_CACHE_ENABLED = False
    first = post(owner_api, {"premise": "Replay me"}, **{"Idempotency-Key": "k-1"})

    again = post(owner_api, {"premise": "Replay me"}, **{"Idempotency-Key": "k-1"})

    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert CreditTransaction.objects.filter(organization=funded, type="usage").count() == 1


def test_the_same_key_with_another_body_is_a_422(owner_api, funded):
    post(owner_api, {"premise": "One"}, **{"Idempotency-Key": "k-2"})

    response = post(owner_api, {"premise": "Two"}, **{"Idempotency-Key": "k-2"})

    assert response.status_code == 422 and response.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_a_failing_provider_chain_refunds_once_and_returns_the_trial_slot(owner_api, funded, owner, settings):
    settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, "openai": "sk-test"}
    settings.AI_MODELS = {
        **settings.AI_MODELS,
        "text:fast": {
            **settings.AI_MODELS["text:fast"],
            "provider": "openai",
            "base_url": "http://127.0.0.1:9/v1",
            "timeout": 1,
            "fallback": [],
        },
    }

    response = post(owner_api, {"premise": "Doomed"})

    assert response.status_code == 502
    assert response.json()["code"] == "GENERATION_FAILED"
    job = GenerationJob.objects.get()
    assert job.status == "failed" and job.refunded
    assert CreditTransaction.objects.filter(organization=funded, type="refund").count() == 1
    assert held(funded) == (1000, 0)
    assert TrialUsage.objects.get(user=owner).used == 0
    assert AIUsageLog.objects.filter(job=job, status="failed", provider="openai").exists()


def test_an_anonymous_caller_gets_401(api_client):
    response = post(api_client, {"premise": "Hi"})

    assert response.status_code == 401


def test_it_hides_other_organizations_jobs(owner_api, funded, outsider, api_client):
    job_id = post(owner_api, {"premise": "Mine"}).json()["job_id"]
    api_client.force_authenticate(outsider)

    response = api_client.get(f"/api/ai/jobs/{job_id}")

    assert response.status_code == 404
