"""Every refusal of an AI request says its true reason, with its figures and /billing/: the
trial (ended, or its generations used) before the credits, the credits before the daily rate.
Purchased credits stay spendable after a plan lapses."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django.utils.formats import date_format
from rest_framework.test import APIClient

from billing import tasks
from billing.services.fulfilment import order_status_apply
from credits.models import CreditTransaction, TrialUsage

from ..billing.conftest import order_make
from ..factories import UserFactory

STORY = {"premise": "A kite that refuses to come down.", "quality": "fast"}


@pytest.fixture
def newcomer(db):
    """A new user on their trial: a personal organization with the trial's bonus credits."""
    return UserFactory(email="newcomer@example.com")


def client_for(user, language: str = "en") -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    return client


def use_up_the_daily_rate(settings, client) -> None:
    settings.TRIAL_DAILY_REQUESTS = 2
    for n in range(2):
        assert client.post("/api/ai/generate-story", {**STORY, "variation": n}, format="json").status_code == 200


def test_used_trial_generations_answer_403_even_when_the_daily_rate_is_used_too(newcomer, settings):
    client = client_for(newcomer)
    use_up_the_daily_rate(settings, client)

    response = client.post("/api/ai/generate-story", {**STORY, "variation": 9}, format="json")

    assert response.status_code == 403
    body = response.json()
    assert (body["code"], body["reason"], body["upgradeUrl"]) == ("TRIAL_LIMIT", "trial_generations_used", "/billing/")
    assert (body["trialUsed"], body["trialMax"]) == (2, 2)
    assert "2 of 2 generations" in body["error"] and "Retry-After" not in response


def test_an_ended_trial_says_when_it_ended(newcomer):
    TrialUsage.objects.filter(user=newcomer).update(ends_at=timezone.now() - timedelta(days=1))
    ended = timezone.localtime(TrialUsage.objects.get(user=newcomer).ends_at)

    response = client_for(newcomer).post("/api/ai/generate-story", STORY, format="json")

    assert response.status_code == 403
    assert response.json()["reason"] == "trial_ended"
    assert f"ended on {date_format(ended, 'DATE_FORMAT')}." in response.json()["error"]


def test_a_video_beyond_the_credits_is_a_402_not_the_daily_rate(newcomer, settings):
    settings.TRIAL_DAILY_REQUESTS = 1
    client = client_for(newcomer)
    assert client.post("/api/ai/generate-story", STORY, format="json").status_code == 200  # 20 - 3 = 17 left

    response = client.post("/api/ai/generate-video", {"prompt": "The kite flies", "quality": "fast"}, format="json")

    assert response.status_code == 402
    body = response.json()
    assert (body["code"], body["creditsNeeded"], body["remainingCredits"]) == ("NO_CREDITS", 30, 17)
    assert body["upgradeUrl"] == "/billing/" and "this needs 30 and 17 are left" in body["error"]


def test_a_refusal_for_credits_does_not_use_up_the_daily_rate(newcomer, settings):
    settings.TRIAL_DAILY_REQUESTS = 2
    client = client_for(newcomer)
    for _attempt in range(3):
        video = {"prompt": "Too dear", "quality": "premium"}
        assert client.post("/api/ai/generate-video", video, format="json").status_code == 402

    assert client.post("/api/ai/generate-story", STORY, format="json").status_code == 200


def test_the_daily_rate_answers_429_with_its_figures_and_billing(newcomer, settings):
    TrialUsage.objects.filter(user=newcomer).update(max_generations=10)  # the daily rate binds first
    client = client_for(newcomer)
    use_up_the_daily_rate(settings, client)

    response = client.post("/api/ai/generate-story", {**STORY, "variation": 9}, format="json")

    assert response.status_code == 429
    body = response.json()
    assert (body["code"], body["dailyLimit"], body["upgradeUrl"]) == ("RATE_LIMITED", 2, "/billing/")
    assert "2 AI requests per 24 hours" in body["error"] and int(response["Retry-After"]) > 0


def test_refusals_speak_indonesian_to_an_indonesian_client(newcomer, settings):
    client = client_for(newcomer, "id")
    use_up_the_daily_rate(settings, client)

    trial = client.post("/api/ai/generate-story", {**STORY, "variation": 9}, format="json").json()
    TrialUsage.objects.filter(user=newcomer).update(max_generations=10)
    credits = client.post("/api/ai/generate-video", {"prompt": "x", "quality": "premium"}, format="json").json()

    assert trial["error"].startswith("Anda telah memakai 2 dari 2 pembuatan")
    assert credits["error"].startswith("Kredit tidak cukup: dibutuhkan 60")


@pytest.mark.django_db
def test_purchased_credits_stay_spendable_after_the_plan_lapses(newcomer, settings):
    organization = newcomer.memberships.get().organization
    TrialUsage.objects.filter(user=newcomer).update(used=2)  # the trial's generations are gone too
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        order = order_make(organization, item="plan:premium", gateway="dev")
        order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=f"{order.amount}.00")
        traveller.shift(timedelta(days=40))
        tasks.billing_expire_subscriptions()

        response = client_for(newcomer).post("/api/ai/generate-story", STORY, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["creditsUsed"] == 3
    assert CreditTransaction.objects.filter(organization=organization, type="usage").count() == 1
    assert int(response["X-RateLimit-Limit"]) == 100  # the entry plan's daily rate, not the trial's 2


def test_a_paying_organization_never_reads_trial_wording(newcomer):
    organization = newcomer.memberships.get().organization
    order = order_make(organization, item="pack:credits-100", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=f"{order.amount}.00")
    video = {"prompt": "x", "quality": "premium"}
    client = client_for(newcomer)
    for _attempt in range(2):
        client.post("/api/ai/generate-video", video, format="json")  # 120 of 140 credits

    response = client.post("/api/ai/generate-video", video, format="json")

    assert response.status_code == 402
    assert "trial" not in response.json()["error"].lower()
