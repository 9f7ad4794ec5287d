"""Rolled-up days and live days: which days of a range come from the daily rollups, and the
live queries (in the rollups' shape) for the others."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast

from aigen.models import AIUsageLog
from credits.models import CreditTransaction

from ..durations import duration_bucket
from ..models import (
    DailyFeatureCredits,
    DailyOrganizationCredits,
    DailyProviderDurations,
    DailyProviderUsage,
    RollupDay,
)
from .periods import Period, jakarta_day


def runs_of_days(days: list[date]) -> list[Period]:
    """Consecutive days as periods: [1, 2, 3, 7] -> [1..3, 7..7]."""
    runs: list[Period] = []
    for day in sorted(days):
        if runs and runs[-1].end + timedelta(days=1) == day:
            runs[-1] = Period(start=runs[-1].start, end=day)
        else:
            runs.append(Period(start=day, end=day))
    return runs


@dataclass(frozen=True)
class Coverage:
    """Where the days of a period are read from: `rolled` from the rollups, `live` from the
    ledger and the usage log. Both are lists of runs of consecutive days; usually the rollups
    hold all days but today (and yesterday until the first rollup after midnight)."""

    rolled: list[Period]
    live: list[Period]


def rollup_coverage(*, period: Period, ledger: bool) -> Coverage:
    """Which days of the period the rollups answer for.

    `ledger`: for the credits figures, a rolled-up day is read live while a refund of one of its
    charges may be missing from its rows (created since the run that wrote the day, less the
    commit slack): until the next run re-rolls it, the figures stay exact.
    """
    rolled_at = dict(
        RollupDay.objects.filter(day__gte=period.start, day__lte=period.end).values_list("day", "rolled_up_at")
    )
    if rolled_at and ledger:
        slack = timedelta(seconds=settings.ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS)
        # A run sees every refund created before it started (less the slack) and re-rolls its
        # charge's day; runs follow each other, so only refunds since the latest run that
        # wrote one of these days can be missing from them.
        recent_refunds = CreditTransaction.objects.filter(
            type=CreditTransaction.Type.REFUND,
            created_at__gte=max(rolled_at.values()) - slack,
            refund_of__created_at__gte=period.starts_at,
            refund_of__created_at__lt=period.ends_at,
        ).values_list(jakarta_day("refund_of__created_at"), "created_at")
        for day, refunded_at in recent_refunds:
            if day in rolled_at and refunded_at >= rolled_at[day] - slack:
                del rolled_at[day]
    return Coverage(
        rolled=runs_of_days(list(rolled_at)), live=runs_of_days([day for day in period.days if day not in rolled_at])
    )


def _moments_in(field_name: str, spans: list[Period]) -> Q:
    query = Q(pk__in=[])
    for span in spans:
        query |= Q(**{f"{field_name}__gte": span.starts_at, f"{field_name}__lt": span.ends_at})
    return query


def days_in(spans: list[Period]) -> Q:
    query = Q(pk__in=[])
    for span in spans:
        query |= Q(day__gte=span.start, day__lte=span.end)
    return query


# The live tables aggregated per day, in the shape of the rollup tables (the same columns, in
# the same order): analytics.services inserts them into the rollups, the selectors read
# them for the days not rolled up.


def _usage_not_refunded(*, spans: list[Period]) -> QuerySet[CreditTransaction]:
    """The ledger's usage rows charged in the spans and not refunded (by now).

    A refund always comes after its charge, so only refunds since the first span's start can
    cancel one of these charges: that bound keeps the anti-join on a small index range.
    """
    refund = CreditTransaction.objects.filter(
        type=CreditTransaction.Type.REFUND, created_at__gte=spans[0].starts_at, refund_of=OuterRef("pk")
    )
    return (
        CreditTransaction.objects.filter(_moments_in("created_at", spans), type=CreditTransaction.Type.USAGE)
        .exclude(Exists(refund))
        .order_by()
    )


def feature_credits_per_day(*, spans: list[Period]) -> QuerySet:
    """(day, feature, credits, charges) like DailyFeatureCredits; credits positive."""
    return (
        _usage_not_refunded(spans=spans)
        .annotate(day=jakarta_day("created_at"))
        .values("day", "feature")
        .annotate(credits=Cast(Sum(F("amount") * -1), IntegerField()), charges=Count("*"))
        .values_list("day", "feature", "credits", "charges")
    )


def organization_credits_per_day(*, spans: list[Period]) -> QuerySet:
    """(day, organization_id, credits, charges) like DailyOrganizationCredits."""
    return (
        _usage_not_refunded(spans=spans)
        .annotate(day=jakarta_day("created_at"))
        .values("day", "organization_id")
        .annotate(credits=Cast(Sum(F("amount") * -1), IntegerField()), charges=Count("*"))
        .values_list("day", "organization_id", "credits", "charges")
    )


# A usage row that is a provider call: not a cache hit, not a skip of an open circuit breaker.
PROVIDER_CALL = Q(cache_hit=False) & ~Q(status=AIUsageLog.Status.SKIPPED)


def usage_log(*, spans: list[Period]) -> QuerySet[AIUsageLog]:
    return AIUsageLog.objects.filter(_moments_in("created_at", spans)).order_by()


def provider_usage_per_day(*, spans: list[Period]) -> QuerySet:
    """(day, endpoint, provider, calls, failed, cost_usd) like DailyProviderUsage."""
    call = PROVIDER_CALL  # counts read columns of the covering index, not the table's id
    return (
        usage_log(spans=spans)
        .annotate(day=jakarta_day("created_at"))
        .values("day", "endpoint", "provider")
        .annotate(
            calls=Count("created_at", filter=call),
            failed=Count("created_at", filter=call & Q(status=AIUsageLog.Status.FAILED)),
            cost=Sum("cost_usd"),
        )
        .values_list("day", "endpoint", "provider", "calls", "failed", "cost")
    )


def provider_durations_per_day(*, spans: list[Period]) -> QuerySet:
    """(day, provider, bucket, calls) like DailyProviderDurations: provider calls only."""
    return (
        usage_log(spans=spans)
        .filter(PROVIDER_CALL)
        .annotate(day=jakarta_day("created_at"), bucket=duration_bucket("duration_ms"))
        .values("day", "provider", "bucket")
        .annotate(calls=Count("created_at"))
        .values_list("day", "provider", "bucket", "calls")
    )


# Each rollup table and the live query that fills it (analytics.services).
ROLLUPS = [
    (DailyFeatureCredits, feature_credits_per_day),
    (DailyOrganizationCredits, organization_credits_per_day),
    (DailyProviderUsage, provider_usage_per_day),
    (DailyProviderDurations, provider_durations_per_day),
]
