"""1. Credits spent per day and per feature (the ledger)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum

from ..models import (
    DailyFeatureCredits,
)
from .periods import DailySeries, Period
from .rollups import days_in, feature_credits_per_day, rollup_coverage


def credits_spent_per_day(*, period: Period) -> DailySeries:
    """Credits spent per day, one series per feature (`story_fast`, `image_premium`...)."""
    coverage = rollup_coverage(period=period, ledger=True)
    rows: list[tuple] = []
    if coverage.rolled:
        rows += DailyFeatureCredits.objects.filter(days_in(coverage.rolled)).values_list("day", "feature", "credits")
    if coverage.live:
        rows += [(day, feature, credits) for day, feature, credits, _n in feature_credits_per_day(spans=coverage.live)]
    return DailySeries.from_rows(period, ((day, feature or "other", credits) for day, feature, credits in rows))


def credits_spent_per_feature(*, period: Period) -> dict[str, int]:
    coverage = rollup_coverage(period=period, ledger=True)
    spent: dict[str, int] = defaultdict(int)
    if coverage.rolled:
        rolled = (
            DailyFeatureCredits.objects.filter(days_in(coverage.rolled))
            .values("feature")
            .annotate(credits=Sum("credits"))
            .order_by()
            .values_list("feature", "credits")
        )
        for feature, credits in rolled:
            spent[feature or "other"] += credits
    if coverage.live:
        for _day, feature, credits, _n in feature_credits_per_day(spans=coverage.live):
            spent[feature or "other"] += credits
    return dict(spent)
