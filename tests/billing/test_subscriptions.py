"""Subscriptions: fulfilment starts or extends them; their cached state follows every change."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import IntegrityError, transaction

from billing import tasks
from billing.models import Plan, Subscription
from billing.selectors import subscription_cache_key
from billing.services.fulfilment import order_status_apply
from credits.hooks import organization_tier
from credits.selectors import trial_exempt

from ..factories import UserFactory
from .conftest import order_make

START = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def pay(organization, item):
    order = order_make(organization, item=item, gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=f"{order.amount}.00")
    return order


@pytest.mark.django_db
def test_me_shows_the_trial_then_the_bought_plan_without_waiting_for_the_cache(owner_api, organization):
    before = owner_api.get("/api/me").json()["subscription"]
    assert (before["tier"], before["status"]) == ("trial", "active")
    assert cache.get(subscription_cache_key(organization.pk)) is not None

    pay(organization, "plan:pro")

    after = owner_api.get("/api/me").json()["subscription"]
    assert (after["tier"], after["status"]) == ("pro", "active")
    assert organization_tier(organization).code == "pro"
    assert organization_tier(organization).daily_limit == 500


@pytest.mark.django_db
def test_the_cached_state_follows_an_expiry(owner_api, organization):
    with time_machine.travel(START, tick=False) as traveller:
        pay(organization, "plan:premium")
        assert owner_api.get("/api/me").json()["subscription"]["status"] == "active"

        traveller.shift(timedelta(days=31))
        tasks.billing_expire_subscriptions()
        assert owner_api.get("/api/me").json()["subscription"]["status"] == "past_due"
        traveller.shift(timedelta(days=3))
        tasks.billing_expire_subscriptions()

        section = owner_api.get("/api/me").json()["subscription"]
    assert (section["tier"], section["status"]) == ("premium", "expired")
    # What it bought stays spendable: only the daily rate falls back (to the entry plan's).
    assert organization_tier(organization).code == "credits"


@pytest.mark.django_db
def test_within_a_request_the_state_is_read_once_and_a_change_is_seen_at_once(organization):
    """A request keeps the state it read (core.memo: a story request asked three times); a
    payment applied within the same request is seen by its next read, not the kept copy."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from billing.selectors import subscription_state_get
    from core.memo import RequestMemoMiddleware

    seen = []

    def view(request):
        seen.append(subscription_state_get(organization=organization))
        cache.delete(subscription_cache_key(organization.pk))  # the kept copy alone answers now
        seen.append(subscription_state_get(organization=organization))
        pay(organization, "plan:pro")
        seen.append(subscription_state_get(organization=organization))
        return HttpResponse()

    RequestMemoMiddleware(view)(RequestFactory().get("/"))

    assert [state.tier for state in seen] == ["trial", "trial", "pro"]
    assert seen[0] is seen[1]
    # Outside a request nothing is kept: a task or a shell reads the cache each time.
    assert subscription_state_get(organization=organization).tier == "pro"
    key = subscription_cache_key(organization.pk)
    cache.set(key, {**cache.get(key), "tier": "x"})
    assert subscription_state_get(organization=organization).tier == "x"


@pytest.mark.django_db
def test_the_state_is_served_from_the_cache_for_five_minutes(organization):
    organization_tier(organization)
    key = subscription_cache_key(organization.pk)
    cached = cache.get(key)
    assert cached["tier"] == "trial"
    assert 0 < cache.ttl(key) <= 300  # django-redis


@pytest.mark.django_db
def test_buying_the_same_plan_again_extends_it_by_one_period(organization):
    with time_machine.travel(START, tick=False) as traveller:
        pay(organization, "plan:premium")
        traveller.shift(timedelta(days=10))
        pay(organization, "plan:premium")

    [subscription] = Subscription.objects.filter(organization=organization)
    assert subscription.current_period_start == START
    assert subscription.current_period_end == START + timedelta(days=60)


@pytest.mark.django_db
def test_buying_another_plan_ends_the_current_one_and_starts_it_now():
    with time_machine.travel(START, tick=False) as traveller:
        user = UserFactory()
        organization = user.organizations.get()
        traveller.shift(timedelta(days=2))
        pay(organization, "plan:unlimited")

    trial = Subscription.objects.get(organization=organization, plan__code="trial")
    active = Subscription.objects.get(organization=organization, status="active")
    assert trial.status == "canceled"
    assert (active.plan.code, active.current_period_start) == ("unlimited", START + timedelta(days=2))


@pytest.mark.django_db
def test_an_organization_has_at_most_one_active_subscription(organization):
    plan = Plan.objects.get(code="pro")
    Subscription.objects.create(
        organization=organization, plan=plan, current_period_start=START, current_period_end=START + timedelta(days=1)
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(
            organization=organization,
            plan=plan,
            current_period_start=START,
            current_period_end=START + timedelta(days=1),
        )


@pytest.mark.django_db
def test_the_seeded_plans_and_packs_are_designs_table():
    plans = {p.code: (p.price_idr, p.credits, p.daily_limit, p.is_paid) for p in Plan.objects.all()}

    assert plans == {
        "trial": (0, 20, 2, False),
        "premium": (99000, 300, 100, True),
        "pro": (249000, 1000, 500, True),
        "unlimited": (799000, 5000, 2000, True),
    }


@pytest.mark.django_db
def test_a_bought_credit_pack_lifts_the_trial_generation_limit_at_once(organization):
    assert trial_exempt(organization=organization) is False  # also caches the state

    pay(organization, "pack:credits-100")

    assert trial_exempt(organization=organization) is True
    tier = organization_tier(organization)  # no plan was bought: the entry plan's daily limit
    assert (tier.code, tier.daily_limit) == ("credits", Plan.objects.get(code="premium").daily_limit)


@pytest.mark.django_db
def test_a_pack_buyer_generates_past_the_trials_two_requests_a_day(owner_api, owner, organization, client, settings):
    settings.TRIAL_DAILY_REQUESTS = 2  # DESIGN's trial
    settings.AI_PROVIDER_KEYS = {name: "" for name in settings.AI_PROVIDER_KEYS}  # the local provider
    pay(organization, "pack:credits-100")

    answers = [
        owner_api.post("/api/ai/generate-story", {"premise": f"A kite, take {i}"}, format="json") for i in range(3)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert answers[-1]["X-RateLimit-Limit"] == "100"
    assert answers[-1]["X-RateLimit-Remaining"] == "97"
    client.force_login(owner)
    session = client.session
    session["organization_id"] = str(organization.pk)  # the organization that bought the pack
    session.save()
    assert "<dd>100</dd>" in client.get("/billing/").content.decode()  # what the billing page says
