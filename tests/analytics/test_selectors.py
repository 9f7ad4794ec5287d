"""Each analytics query on seeded rows, against figures worked out by hand in the comments.

The period is 10-12 March 2025 in Asia/Jakarta (UTC+7): from 2025-03-09 17:00 UTC to
2025-03-12 17:00 UTC. Rows just outside it, and rows whose UTC day differs from their
Jakarta day, check the boundaries and the time zone.
"""

from decimal import Decimal

import pytest

from accounts.models import Organization
from analytics.selectors.conversion import trial_conversion
from analytics.selectors.credits_spent import credits_spent_per_day
from analytics.selectors.margins import credit_value, margin_per_feature
from analytics.selectors.organizations import top_organizations
from analytics.selectors.periods import Period
from analytics.selectors.provider_health import provider_health
from analytics.selectors.revenue import revenue_per_day
from billing.models import Plan, Subscription
from tests.factories import OrganizationFactory, UserFactory

from .seed import at, charge, grant, march, order, refund, usage

PERIOD = Period(start=march(10), end=march(12))


@pytest.fixture
def studios(db):
    return OrganizationFactory(name="Studio A"), OrganizationFactory(name="Studio B")


@pytest.fixture
def ledger(studios):
    a, b = studios
    charge(a, credits=5, feature="image_fast", when=at(10, 9))
    charge(a, credits=3, feature="story_fast", when=at(11, 3))  # 2025-03-10 20:00 UTC: Jakarta's 11th
    video = charge(a, credits=30, feature="video_fast", when=at(11, 10))
    refund(video, when=at(11, 10, 5))  # failed, refunded: not spent
    late = charge(a, credits=8, feature="story_premium", when=at(12, 23, 30))
    refund(late, when=at(13, 0, 10))  # refunded after the period ends: still not spent
    before = charge(a, credits=5, feature="image_fast", when=at(9, 23, 30))  # the day before
    refund(before, when=at(10, 1))  # a refund in the period of a charge outside it changes nothing
    charge(a, credits=3, feature="story_fast", when=at(13, 0, 0))  # the first moment after the period
    grant(a, credits=300, when=at(10, 8))  # not usage
    charge(b, credits=10, feature="image_premium", when=at(12, 12))
    charge(b, credits=3, feature="story_fast", when=at(12, 13))
    return a, b


def test_credits_spent_per_day_counts_charges_less_refunds_by_jakarta_day(ledger):
    spent = credits_spent_per_day(period=PERIOD)

    assert spent.days == [march(10), march(11), march(12)]
    assert spent.series == {
        "image_fast": [5, 0, 0],
        "image_premium": [0, 0, 10],
        "story_fast": [0, 3, 3],
    }
    assert spent.total() == 21


def test_top_organizations_are_ranked_by_credits_spent(ledger):
    a, b = ledger

    top = top_organizations(period=PERIOD)

    assert [(row.name, row.credits, row.charges) for row in top] == [("Studio B", 13, 2), ("Studio A", 8, 2)]


def test_top_organizations_stops_at_the_limit(ledger):
    top = top_organizations(period=PERIOD, limit=1)

    assert [row.name for row in top] == ["Studio B"]


@pytest.fixture
def orders(studios):
    a, b = studios
    order(a, amount=64_000, credits=200, gateway="midtrans", paid_at=at(10, 8))
    order(b, amount=160_000, credits=450, bonus=50, gateway="xendit", paid_at=at(11, 2))  # UTC: the 10th
    order(a, amount=96_000, credits=300, gateway="midtrans", paid_at=at(12, 20), kind="plan")
    order(b, amount=249_000, credits=1000, gateway="dev", paid_at=at(9, 23, 59), kind="plan")  # the day before
    order(a, amount=99_000, credits=300, gateway="midtrans", status="failed")
    order(b, amount=49_000, credits=100, gateway="xendit", status="refunded", paid_at=at(11, 9))
    order(b, amount=49_000, credits=100, gateway="xendit", status="pending")


def test_revenue_per_day_sums_paid_orders_by_gateway_and_jakarta_day(orders):
    revenue = revenue_per_day(period=PERIOD)

    assert revenue.series == {"midtrans": [64_000, 0, 96_000], "xendit": [0, 160_000, 0]}
    assert revenue.total() == 320_000


def test_a_credit_is_worth_what_the_period_s_orders_paid_for_it(orders):
    value = credit_value(period=PERIOD)

    # 320,000 IDR for 200 + 450 + 50 + 300 = 1,000 credits
    assert (value.idr, value.source, value.orders) == (Decimal(320), "orders", 3)


def test_without_orders_a_credit_is_worth_the_catalogue_s_mean_price(db):
    value = credit_value(period=PERIOD)

    # Seeded offers: premium 99,000/300 = 330, pro 249,000/1,000 = 249, unlimited 799,000/5,000 = 159.8,
    # pack 49,000/100 = 490, pack 199,000/550 = 361.8181...; mean = 1,590.6181... / 5
    expected = (Decimal(330) + Decimal(249) + Decimal("159.8") + Decimal(490) + Decimal(199_000) / 550) / 5
    assert value.source == "catalogue"
    assert value.idr.quantize(Decimal("0.0001")) == expected.quantize(Decimal("0.0001"))


def test_margin_sets_credit_revenue_against_provider_cost_per_feature(settings, ledger, orders):
    settings.ANALYTICS_IDR_PER_USD = 16_000  # one credit = 320 IDR = 0.02 USD
    a, b = ledger
    usage(a, endpoint="generate-image", provider="stability", when=at(10, 9), cost_usd="0.04")
    usage(a, endpoint="generate-image", provider="openai", when=at(10, 9), status="failed")
    usage(b, endpoint="generate-story", provider="gemini", when=at(12, 13), cost_usd="0.01")
    usage(b, endpoint="generate-story", provider="gemini", when=at(12, 14), cache_hit=True)
    usage(a, endpoint="generate-video", provider="veo", when=at(11, 10), cost_usd="1.20")
    usage(a, endpoint="generate-video", provider="veo", when=at(9, 23), cost_usd="5.00")  # the day before

    report = margin_per_feature(period=PERIOD)

    rows = {row.feature: row for row in report.rows}
    assert sorted(rows) == ["image", "story", "video"]
    # image: 15 credits x 0.02 = 0.30 USD against 0.04; story: 6 x 0.02 = 0.12 against 0.01;
    # video: its only charge was refunded, but the provider was paid 1.20.
    assert (rows["image"].credits, rows["image"].revenue_usd, rows["image"].cost_usd) == (
        15,
        Decimal("0.30"),
        Decimal("0.04"),
    )
    assert (rows["story"].credits, rows["story"].revenue_usd, rows["story"].cost_usd) == (
        6,
        Decimal("0.12"),
        Decimal("0.01"),
    )
    assert (rows["video"].credits, rows["video"].revenue_usd, rows["video"].cost_usd) == (
        0,
        Decimal("0.00"),
        Decimal("1.20"),
    )
    assert rows["image"].margin_usd == Decimal("0.26")
    assert rows["video"].margin_percent is None
    assert (rows["image"].provider_calls, rows["story"].provider_calls) == (2, 1)  # a cache hit is no call


@pytest.fixture
def provider_calls(studios):
    a, _b = studios
    for n in range(1, 21):  # stability: 100, 200, ... 2,000 ms, one failure
        usage(a, endpoint="generate-image", provider="stability", when=at(10 + n % 3, 10), duration_ms=n * 100,
              status="failed" if n == 7 else "succeeded")  # fmt: skip
    for duration, status in ((100, "failed"), (200, "succeeded"), (300, "succeeded"), (1000, "failed")):
        usage(a, endpoint="generate-story", provider="openai", when=at(11, 10), duration_ms=duration, status=status)
    usage(a, endpoint="generate-story", provider="gemini", when=at(12, 10), duration_ms=400)
    usage(a, endpoint="generate-story", provider="gemini", when=at(12, 11), duration_ms=0, cache_hit=True)
    usage(a, endpoint="generate-story", provider="gemini", when=at(9, 10), duration_ms=9000, status="failed")


def test_provider_health_gives_error_rate_and_p95_duration(provider_calls):
    health = {row.provider: row for row in provider_health(period=PERIOD)}

    # p95 by linear interpolation: stability at rank 0.95 x 19 = 18.05 -> 1,900 + 0.05 x 100;
    # openai at 0.95 x 3 = 2.85 -> 300 + 0.85 x 700; gemini: one call (the cache hit and the
    # failure of the 9th are not in it).
    assert (health["stability"].calls, health["stability"].failed, health["stability"].p95_ms) == (20, 1, 1905.0)
    assert health["stability"].error_percent == 5.0
    assert (health["openai"].calls, health["openai"].failed) == (4, 2)
    assert health["openai"].p95_ms == pytest.approx(895.0)
    assert health["openai"].error_percent == 50.0
    assert (health["gemini"].calls, health["gemini"].failed, health["gemini"].p95_ms) == (1, 0, 400.0)


def _created(organization: Organization, when):
    Organization.objects.filter(pk=organization.pk).update(created_at=when)
    return organization


def test_trial_conversion_counts_organizations_that_paid_since_they_were_created(db):
    paid = _created(OrganizationFactory(), at(10, 9))
    order(paid, amount=99_000, credits=300, paid_at=at(12, 9), kind="plan")
    person = UserFactory()  # a personal organization on its trial subscription: not converted
    _created(person.organizations.get(), at(10, 15))
    failed = _created(OrganizationFactory(), at(11, 2))  # UTC: the 10th
    order(failed, amount=99_000, credits=300, status="failed")
    staff_started = _created(OrganizationFactory(), at(12, 9))
    Subscription.objects.create(organization=staff_started, plan=Plan.objects.get(code="pro"),
                                current_period_start=at(12, 10), current_period_end=at(12, 10, month=4))  # fmt: skip
    paid_later = _created(OrganizationFactory(), at(12, 22))
    order(paid_later, amount=49_000, credits=100, paid_at=at(1, 9, month=4))  # after the period: counts
    earlier = _created(OrganizationFactory(), at(9, 22))  # created the day before
    order(earlier, amount=49_000, credits=100, paid_at=at(10, 9))

    conversion = trial_conversion(period=PERIOD)

    assert (conversion.created, conversion.converted, conversion.percent) == (5, 3, 60.0)
    assert conversion.per_day.series == {"converted": [1, 0, 2], "not converted": [1, 1, 0]}


def test_every_query_is_empty_on_an_empty_range(ledger, orders):
    empty = Period(start=march(20), end=march(21))

    assert credits_spent_per_day(period=empty).series == {}
    assert revenue_per_day(period=empty).total() == 0
    assert provider_health(period=empty) == []
    assert top_organizations(period=empty) == []
    assert trial_conversion(period=empty).created == 0
    assert margin_per_feature(period=empty).rows == []
