"""4. Error rate and p95 duration per provider."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Aggregate, Count, FloatField, Q, Sum

from aigen.models import AIUsageLog

from ..durations import duration_bucket, histogram_percentile
from ..models import (
    DailyProviderDurations,
    DailyProviderUsage,
)
from .periods import Period
from .rollups import PROVIDER_CALL, days_in, rollup_coverage, usage_log


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


@dataclass(frozen=True)
class ProviderHealth:
    provider: str
    calls: int
    failed: int
    p95_ms: float | None

    @property
    def error_percent(self) -> float:
        return self.failed * 100 / self.calls if self.calls else 0.0


def percentile_of(values: list[int], fraction: float) -> float | None:
    """percentile_cont in Python (linear interpolation), for databases without it (SQLite)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def provider_health(*, period: Period) -> list[ProviderHealth]:
    """Per provider: calls, failed calls and the 95th percentile of call duration (ms).
    Cache hits are not provider calls and are left out.

    With no rolled-up day in the period the p95 is exact (percentile_cont on the usage log);
    otherwise it comes from the duration histograms (analytics.durations: within 4.9%).
    """
    coverage = rollup_coverage(period=period, ledger=False)
    if not coverage.rolled:
        return _provider_health_live(period=period)
    calls: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    histograms: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    counted = (
        DailyProviderUsage.objects.filter(days_in(coverage.rolled))
        .values("provider")
        .annotate(calls=Sum("calls"), failed=Sum("failed"))
        .order_by()
        .values_list("provider", "calls", "failed")
    )
    buckets = (
        DailyProviderDurations.objects.filter(days_in(coverage.rolled))
        .values("provider", "bucket")
        .annotate(calls=Sum("calls"))
        .order_by()
        .values_list("provider", "bucket", "calls")
    )
    if coverage.live:
        live_calls = usage_log(spans=coverage.live).filter(PROVIDER_CALL)
        counted = [
            *counted,
            *live_calls.values("provider")
            .annotate(calls=Count("created_at"), failed=Count("created_at", filter=Q(status=AIUsageLog.Status.FAILED)))
            .values_list("provider", "calls", "failed"),
        ]
        buckets = [
            *buckets,
            *live_calls.annotate(bucket=duration_bucket("duration_ms"))
            .values("provider", "bucket")
            .annotate(calls=Count("created_at"))
            .values_list("provider", "bucket", "calls"),
        ]
    for provider, provider_calls, failed in counted:
        calls[provider][0] += provider_calls
        calls[provider][1] += failed
    for provider, bucket, bucket_calls in buckets:
        histograms[provider][bucket] += bucket_calls
    return [
        ProviderHealth(provider, total, failed, histogram_percentile(histograms[provider], 0.95))
        for provider, (total, failed) in sorted(calls.items())
        if total  # a provider with only cache hits made no call
    ]


def _provider_health_live(*, period: Period) -> list[ProviderHealth]:
    calls = AIUsageLog.objects.filter(
        PROVIDER_CALL, created_at__gte=period.starts_at, created_at__lt=period.ends_at
    ).order_by()
    failed = Count("created_at", filter=Q(status=AIUsageLog.Status.FAILED))  # a column of the index
    if connection.vendor == "postgresql":
        rows = calls.values("provider").annotate(
            calls=Count("*"), failed=failed, p95=PercentileCont("duration_ms", fraction=0.95)
        )
        with transaction.atomic(), connection.cursor() as cursor:
            # percentile_cont sorts every duration of the range: let that sort stay in memory
            # (a year of calls spills past the default 4 MB to disk), for this transaction only.
            cursor.execute(f"SET LOCAL work_mem = '{int(settings.ANALYTICS_SORT_MEMORY_MB)}MB'")
            rows = list(rows.order_by("provider"))
        return [ProviderHealth(r["provider"], r["calls"], r["failed"], r["p95"]) for r in rows]
    durations: dict[str, list[int]] = defaultdict(list)
    for provider, duration in calls.values_list("provider", "duration_ms").iterator():
        durations[provider].append(duration)
    rows = calls.values("provider").annotate(calls=Count("*"), failed=failed).order_by("provider")
    return [
        ProviderHealth(r["provider"], r["calls"], r["failed"], percentile_of(durations[r["provider"]], 0.95))
        for r in rows
    ]
