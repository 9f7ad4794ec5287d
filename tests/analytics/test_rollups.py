"""The daily rollups: the figures read from them equal the live ones, a rollup run is
idempotent, a late refund is reflected, and today is still read live.

Seeded rows as in test_selectors (10-12 March 2025, Asia/Jakarta).
"""

import math
import random
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from analytics.durations import ERROR_BOUND, histogram_percentile
from analytics.models import (
    DailyFeatureCredits,
    DailyOrganizationCredits,
    DailyProviderDurations,
    DailyProviderUsage,
    MonthlyOrganizationCredits,
    RollupDay,
)
from analytics.selectors.credits_spent import credits_spent_per_day, credits_spent_per_feature
from analytics.selectors.margins import margin_per_feature
from analytics.selectors.organizations import top_organizations
from analytics.selectors.periods import Period
from analytics.selectors.provider_health import percentile_of as _percentile
from analytics.selectors.provider_health import provider_health
from analytics.selectors.rollups import rollup_coverage
from analytics.services import rollup_days_recompute, rollup_refresh
from tests.factories import OrganizationFactory

from .seed import at, charge, march, refund, usage
from .test_selectors import PERIOD, ledger, orders, provider_calls, studios  # noqa: F401 (fixtures)

AROUND = Period(start=march(8), end=march(14))  # the period and the days either side of it


def _figures(period=PERIOD):
    """What staff see on the pages that read the ledger and the usage log."""
    health = provider_health(period=period)
    return {
        "per_day": credits_spent_per_day(period=period).series,
        "per_feature": credits_spent_per_feature(period=period),
        "top": [(row.name, row.credits, row.charges) for row in top_organizations(period=period)],
        "margin": [
            (row.feature, row.credits, row.revenue_usd, row.cost_usd, row.provider_calls)
            for row in margin_per_feature(period=period).rows
        ],
        "health": [(row.provider, row.calls, row.failed) for row in health],
        "p95": {row.provider: row.p95_ms for row in health},
    }


def _rollup_rows():
    return {
        model: sorted(model.objects.values_list(*[f.attname for f in model._meta.concrete_fields if not f.primary_key]))
        for model in (
            DailyFeatureCredits,
            DailyOrganizationCredits,
            MonthlyOrganizationCredits,
            DailyProviderUsage,
            DailyProviderDurations,
        )
    }


@pytest.fixture
def everything(ledger, orders, provider_calls):  # noqa: F811
    a, b = ledger
    usage(a, endpoint="generate-image", provider="stability", when=at(10, 9), cost_usd="0.04")
    usage(b, endpoint="generate-story", provider="gemini", when=at(12, 14), cache_hit=True, cost_usd="0.001")
    usage(a, endpoint="generate-video", provider="veo", when=at(11, 10), cost_usd="1.20", duration_ms=65_000)
    return a, b


def test_figures_read_from_the_rollups_equal_the_live_ones(everything):
    live = _figures()

    call_command("analytics_rollup", since="2025-03-08", stdout=open("/dev/null", "w"))  # noqa: SIM115

    coverage = rollup_coverage(period=PERIOD, ledger=True)
    assert (coverage.rolled, coverage.live) == ([PERIOD], [])
    rolled = _figures()
    assert {key: rolled[key] for key in live if key != "p95"} == {key: live[key] for key in live if key != "p95"}
    assert live["per_day"] == {"image_fast": [5, 0, 0], "image_premium": [0, 0, 10], "story_fast": [0, 3, 3]}
    assert live["top"] == [("Studio B", 13, 2), ("Studio A", 8, 2)]


def test_top_organizations_over_whole_months_read_the_monthly_rows_and_agree(ledger):  # noqa: F811
    a, b = ledger
    charge(a, credits=40, feature="video_fast", when=at(1, 0, 5, month=2))  # 1 February, 00:05 Jakarta
    refund(charge(b, credits=30, feature="video_fast", when=at(14, month=2)), when=at(14, 0, 30, month=2))
    charge(b, credits=20, feature="image_fast", when=at(28, 23, 59, month=2))
    charge(b, credits=9, feature="image_fast", when=at(31, 12, month=1))  # the day before the period
    period = Period(start=march(1).replace(month=2), end=march(12))
    live = top_organizations(period=period)

    rollup_days_recompute(days=Period(start=march(1).replace(month=1), end=march(14)).days)

    assert MonthlyOrganizationCredits.objects.filter(month=march(1).replace(month=2)).count() == 2
    rolled = top_organizations(period=period)
    assert [(row.name, row.credits, row.charges) for row in rolled] == [("Studio A", 48, 3), ("Studio B", 33, 3)]
    assert rolled == live


def test_p95_of_rolled_up_days_is_within_the_documented_bound(everything):
    exact = _figures()["p95"]

    rollup_days_recompute(days=AROUND.days)

    approximate = _figures()["p95"]
    assert set(approximate) == set(exact) == {"gemini", "openai", "stability", "veo"}
    for provider, p95 in exact.items():
        assert approximate[provider] == pytest.approx(p95, rel=ERROR_BOUND), provider
    assert approximate["stability"] != exact["stability"]  # really the histogram


def test_histogram_p95_stays_within_the_bound_on_many_durations():
    rng = random.Random(7)
    for typical_ms in (3, 250, 2_200, 65_000):
        durations = [int(rng.lognormvariate(0, 0.6) * typical_ms) for _ in range(5_000)]
        counts: dict[int, int] = {}
        for duration in durations:
            bucket = 0 if duration < 1 else 1 + math.floor(math.log(duration) / math.log(1.1))
            counts[bucket] = counts.get(bucket, 0) + 1

        estimate = histogram_percentile(counts, 0.95)

        assert estimate == pytest.approx(_percentile(durations, 0.95), rel=ERROR_BOUND)


def test_running_the_rollup_twice_changes_nothing(everything):
    rollup_days_recompute(days=AROUND.days)
    first = _rollup_rows()
    figures = _figures()

    rollup_days_recompute(days=AROUND.days)

    assert _rollup_rows() == first
    assert sum(len(rows) for rows in first.values()) > 0
    assert _figures() == figures
    assert RollupDay.objects.count() == len(AROUND.days)


def test_a_late_refund_of_an_old_charge_is_reflected_after_the_next_rollup(ledger, settings):  # noqa: F811
    settings.ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS = 0  # else the day is read live a run longer (to be safe)
    a, _b = ledger
    old = charge(a, credits=7, feature="image_fast", when=at(11, 15))
    rollup_days_recompute(days=AROUND.days)
    assert credits_spent_per_day(period=PERIOD).on(march(11), "image_fast") == 7

    refund(old, when=timezone.now())  # weeks later (a support refund, say)

    # Until the next run, the day of the refunded charge is read live: already right.
    assert rollup_coverage(period=PERIOD, ledger=True).live == [Period(march(11), march(11))]
    assert credits_spent_per_day(period=PERIOD).on(march(11), "image_fast") == 0
    result = rollup_refresh()
    assert march(11) in result.days
    assert DailyFeatureCredits.objects.filter(day=march(11), feature="image_fast").exists() is False
    assert rollup_coverage(period=PERIOD, ledger=True).live == []
    assert credits_spent_per_day(period=PERIOD).on(march(11), "image_fast") == 0
    assert [(row.name, row.credits) for row in top_organizations(period=PERIOD)] == [
        ("Studio B", 13),
        ("Studio A", 8),
    ]


def test_today_is_read_live_and_added_to_the_rolled_up_days(db, settings):
    settings.ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS = 0
    studio, other = OrganizationFactory(name="Studio A"), OrganizationFactory(name="Studio B")
    now = timezone.now()
    charge(studio, credits=5, feature="image_fast", when=now - timedelta(days=2))
    charge(other, credits=8, feature="image_fast", when=now - timedelta(days=1))
    usage(studio, endpoint="generate-image", provider="stability", when=now - timedelta(days=2), cost_usd="0.03")
    rolled = rollup_refresh()
    charge(studio, credits=10, feature="image_fast", when=now)  # today: after the rollup
    charge(studio, credits=3, feature="story_fast", when=now)
    usage(studio, endpoint="generate-image", provider="stability", when=now, cost_usd="0.03", status="failed")

    period = Period.last_days(3)
    coverage = rollup_coverage(period=period, ledger=False)

    assert len(rolled.days) == settings.ANALYTICS_ROLLUP_RECENT_DAYS
    assert coverage.live == [Period(period.end, period.end)]
    assert credits_spent_per_day(period=period).series == {"image_fast": [5, 8, 10], "story_fast": [0, 0, 3]}
    assert [(row.name, row.credits, row.charges) for row in top_organizations(period=period)] == [
        ("Studio A", 18, 3),
        ("Studio B", 8, 1),
    ]
    assert [(row.provider, row.calls, row.failed) for row in provider_health(period=period)] == [("stability", 2, 1)]
    image = {row.feature: row for row in margin_per_feature(period=period).rows}["image"]
    assert (image.credits, str(image.cost_usd), image.provider_calls) == (23, "0.06", 2)


def test_today_is_never_rolled_up(db):
    with pytest.raises(ValueError, match="not closed"):
        rollup_days_recompute(days=[timezone.localdate()])

    assert RollupDay.objects.count() == 0


def test_the_backfill_command_rejects_a_bad_date(db):
    with pytest.raises(CommandError, match="--since must be a date"):
        call_command("analytics_rollup", since="March")
    with pytest.raises(CommandError, match="in the future"):
        call_command("analytics_rollup", since=(timezone.localdate() + timedelta(days=2)).isoformat())

    assert RollupDay.objects.count() == 0


def test_the_beat_schedule_runs_the_rollup_task(ledger, settings):  # noqa: F811
    from analytics.tasks import analytics_rollup

    entry = settings.CELERY_BEAT_SCHEDULE["analytics-rollup"]

    result = analytics_rollup.apply().get()

    assert entry["task"] == analytics_rollup.name
    assert entry["schedule"] == 60 * settings.ANALYTICS_ROLLUP_MINUTES
    assert len(result["days"]) == settings.ANALYTICS_ROLLUP_RECENT_DAYS
    assert RollupDay.objects.count() == settings.ANALYTICS_ROLLUP_RECENT_DAYS
