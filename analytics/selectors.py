"""Figures for the staff analytics pages (read-only).

Reporting reads the tables of the apps below it directly: nothing here writes, and every
query is bounded by a time range on an indexed column (the indexes were added for these
queries: `credit_tx_usage_created`, `credit_tx_refund_created`, `aigen_usage_created_cover`,
`order_paid_at`; organizations by their `created_at`). Days are days in settings.TIME_ZONE
(Asia/Jakarta); a Period covers whole days, both ends included.

Daily rollups (analytics.models, written by analytics.services every few minutes): the days
of a range that are rolled up (RollupDay) are read from the rollups, the others (today,
yesterday before its rollup, days never backfilled) from the live tables, and the two are
added up. Credits, cost and call counts are the same either way; the p95 duration is exact
when no day of the range is rolled up, and within analytics.durations.ERROR_BOUND (4.9%)
otherwise.

Where the numbers come from:
- credits spent: the credits ledger, the source of truth for what was charged. A usage row
  counts on the day it was charged, unless it has been refunded (a failed generation), so a
  refund never shows up as "negative spending" on a later day.
- revenue: paid orders (status `paid`), on the day they were paid, in whole IDR. Orders that
  were paid and later refunded are left out.
- provider cost, durations, errors: the AI usage log, one row per provider call; cache hits
  (no provider call) are left out of provider health.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Aggregate, Count, Exists, F, FloatField, IntegerField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from accounts.models import Organization
from aigen.models import AIUsageLog
from billing.models import CreditPack, Order, Plan, Subscription
from credits.models import CreditTransaction

from .durations import duration_bucket, histogram_percentile
from .models import (
    DailyFeatureCredits,
    DailyOrganizationCredits,
    DailyProviderDurations,
    DailyProviderUsage,
    MonthlyOrganizationCredits,
    RollupDay,
)

# --- The time range -------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included, in the project's time zone."""

    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=timezone.get_default_timezone())

    @property
    def ends_at(self) -> datetime:
        """The first moment after the period (queries use `>= starts_at AND < ends_at`)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone())

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @classmethod
    def last_days(cls, count: int, *, today: date | None = None) -> Period:
        end = today or timezone.localdate()
        return cls(start=end - timedelta(days=count - 1), end=end)


@dataclass
class DailySeries:
    """Named series with one value per day of a period (days without data hold 0)."""

    days: list[date]
    series: dict[str, list[int | Decimal]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, period: Period, rows) -> DailySeries:
        """rows: (day, name, value), in any order, at most one per (day, name)."""
        days = period.days
        index = {day: n for n, day in enumerate(days)}
        series: dict[str, list] = {}
        for day, name, value in rows:
            series.setdefault(name, [0] * len(days))[index[day]] = value
        return cls(days=days, series=dict(sorted(series.items())))

    def on(self, day: date, name: str) -> int | Decimal:
        values = self.series.get(name)
        return values[self.days.index(day)] if values else 0

    def total(self, name: str | None = None) -> int | Decimal:
        names = [name] if name is not None else list(self.series)
        return sum((sum(self.series.get(n, [])) for n in names), 0)


def jakarta_day(field_name: str) -> TruncDate:
    return TruncDate(field_name, tzinfo=timezone.get_default_timezone())


# --- Rolled-up days and live days ----------------------------------------------------


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


def _days_in(spans: list[Period]) -> Q:
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


def _usage_log(*, spans: list[Period]) -> QuerySet[AIUsageLog]:
    return AIUsageLog.objects.filter(_moments_in("created_at", spans)).order_by()


def provider_usage_per_day(*, spans: list[Period]) -> QuerySet:
    """(day, endpoint, provider, calls, failed, cost_usd) like DailyProviderUsage."""
    call = PROVIDER_CALL  # counts read columns of the covering index, not the table's id
    return (
        _usage_log(spans=spans)
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
        _usage_log(spans=spans)
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


# --- 1. Credits spent per day by feature (the ledger) ---------------------------------


def credits_spent_per_day(*, period: Period) -> DailySeries:
    """Credits spent per day, one series per feature (`story_fast`, `image_premium`...)."""
    coverage = rollup_coverage(period=period, ledger=True)
    rows: list[tuple] = []
    if coverage.rolled:
        rows += DailyFeatureCredits.objects.filter(_days_in(coverage.rolled)).values_list("day", "feature", "credits")
    if coverage.live:
        rows += [(day, feature, credits) for day, feature, credits, _n in feature_credits_per_day(spans=coverage.live)]
    return DailySeries.from_rows(period, ((day, feature or "other", credits) for day, feature, credits in rows))


def credits_spent_per_feature(*, period: Period) -> dict[str, int]:
    coverage = rollup_coverage(period=period, ledger=True)
    spent: dict[str, int] = defaultdict(int)
    if coverage.rolled:
        rolled = (
            DailyFeatureCredits.objects.filter(_days_in(coverage.rolled))
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


# --- 2. Revenue per day by gateway (paid orders) --------------------------------------


def _paid_orders(*, period: Period) -> QuerySet[Order]:
    return Order.objects.filter(status=Order.Status.PAID, paid_at__gte=period.starts_at, paid_at__lt=period.ends_at)


def revenue_per_day(*, period: Period) -> DailySeries:
    """IDR of paid orders per day (the day they were paid), one series per gateway."""
    rows = (
        _paid_orders(period=period)
        .annotate(day=jakarta_day("paid_at"))
        .values("day", "gateway")
        .annotate(idr=Sum("amount"))
        .order_by()
    )
    return DailySeries.from_rows(period, ((row["day"], row["gateway"], row["idr"]) for row in rows))


# --- 3. Provider cost against credit revenue, per feature -----------------------------


@dataclass(frozen=True)
class CreditValue:
    """What one credit is worth in IDR, and where that figure comes from."""

    idr: Decimal
    source: str  # "orders": the period's paid orders; "catalogue": the offers for sale
    orders: int = 0


def credit_value(*, period: Period) -> CreditValue:
    """The realised price of a credit: IDR of the period's paid orders / credits they granted
    (bonus included, since buyers spend bonus credits like the others).

    With no paid order in the period: the mean price per credit of the paid plans and packs
    on sale (each offer's price / its credits + bonus).
    """
    paid = _paid_orders(period=period).aggregate(
        idr=Sum("amount"), credits=Sum(F("credits") + F("bonus_credits")), orders=Count("*")
    )
    if paid["credits"]:
        return CreditValue(idr=Decimal(paid["idr"]) / Decimal(paid["credits"]), source="orders", orders=paid["orders"])
    offers = [
        Decimal(price) / Decimal(credits)
        for price, credits in Plan.objects.filter(is_paid=True, is_active=True, credits__gt=0).values_list(
            "price_idr", "credits"
        )
    ]
    offers += [
        Decimal(price) / Decimal(credits + bonus)
        for price, credits, bonus in CreditPack.objects.filter(is_active=True).values_list(
            "price_idr", "credits", "bonus_credits"
        )
        if credits + bonus
    ]
    return CreditValue(idr=sum(offers, Decimal(0)) / len(offers) if offers else Decimal(0), source="catalogue")


@dataclass(frozen=True)
class FeatureMargin:
    feature: str  # the generation kind: story, image, video
    credits: int
    revenue_usd: Decimal
    cost_usd: Decimal
    provider_calls: int

    @property
    def margin_usd(self) -> Decimal:
        return self.revenue_usd - self.cost_usd

    @property
    def margin_percent(self) -> Decimal | None:
        return self.margin_usd * 100 / self.revenue_usd if self.revenue_usd else None


@dataclass(frozen=True)
class MarginReport:
    credit_value: CreditValue
    idr_per_usd: Decimal
    rows: list[FeatureMargin]


def _kind_of_feature(feature: str) -> str:
    return feature.split("_", 1)[0]  # ledger features are <kind>_<quality>


def _kind_of_endpoint(endpoint: str) -> str:
    return endpoint.removeprefix("generate-")  # usage log endpoints are generate-<kind>


def margin_per_feature(*, period: Period) -> MarginReport:
    """Per generation kind: credit revenue (USD) against provider cost (USD).

    credit revenue = credits spent (ledger, net of refunds) x IDR value of a credit
    (credit_value) / settings.ANALYTICS_IDR_PER_USD; provider cost = sum of the usage log's
    cost_usd (every provider call, failed ones and fallbacks included).
    """
    value = credit_value(period=period)
    idr_per_usd = Decimal(str(settings.ANALYTICS_IDR_PER_USD))
    credits: dict[str, int] = defaultdict(int)
    for feature, spent in credits_spent_per_feature(period=period).items():
        credits[_kind_of_feature(feature)] += spent
    costs: dict[str, Decimal] = defaultdict(Decimal)
    calls: dict[str, int] = defaultdict(int)
    coverage = rollup_coverage(period=period, ledger=False)
    usage: list[tuple] = []
    if coverage.rolled:
        usage += (
            DailyProviderUsage.objects.filter(_days_in(coverage.rolled))
            .values("endpoint")
            .annotate(cost=Sum("cost_usd"), calls=Sum("calls"))
            .order_by()
            .values_list("endpoint", "cost", "calls")
        )
    if coverage.live:
        usage += (
            _usage_log(spans=coverage.live)
            .values("endpoint")
            .annotate(cost=Sum("cost_usd"), calls=Count("created_at", filter=PROVIDER_CALL))
            .values_list("endpoint", "cost", "calls")
        )
    for endpoint, cost, endpoint_calls in usage:
        kind = _kind_of_endpoint(endpoint)
        costs[kind] += cost or Decimal(0)
        calls[kind] += endpoint_calls
    rows = [
        FeatureMargin(
            feature=kind,
            credits=credits.get(kind, 0),
            revenue_usd=(credits.get(kind, 0) * value.idr / idr_per_usd).quantize(Decimal("0.01")),
            cost_usd=costs.get(kind, Decimal(0)).quantize(Decimal("0.01")),
            provider_calls=calls.get(kind, 0),
        )
        for kind in sorted(set(credits) | set(costs))
    ]
    return MarginReport(credit_value=value, idr_per_usd=idr_per_usd, rows=rows)


# --- 4. Error rate and p95 duration per provider --------------------------------------


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


def _percentile(values: list[int], fraction: float) -> float | None:
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
        DailyProviderUsage.objects.filter(_days_in(coverage.rolled))
        .values("provider")
        .annotate(calls=Sum("calls"), failed=Sum("failed"))
        .order_by()
        .values_list("provider", "calls", "failed")
    )
    buckets = (
        DailyProviderDurations.objects.filter(_days_in(coverage.rolled))
        .values("provider", "bucket")
        .annotate(calls=Sum("calls"))
        .order_by()
        .values_list("provider", "bucket", "calls")
    )
    if coverage.live:
        live_calls = _usage_log(spans=coverage.live).filter(PROVIDER_CALL)
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
        ProviderHealth(r["provider"], r["calls"], r["failed"], _percentile(durations[r["provider"]], 0.95))
        for r in rows
    ]


# --- 5. Top organizations by credits spent --------------------------------------------


@dataclass(frozen=True)
class OrganizationUsage:
    organization_id: object
    name: str
    credits: int
    charges: int


def _whole_months(spans: list[Period]) -> tuple[list[date], list[Period]]:
    """The calendar months lying wholly in the spans (their first days), and the other days."""
    months: list[date] = []
    days: list[date] = []
    for span in spans:
        day = span.start
        while day <= span.end:
            next_month = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            if day.day == 1 and next_month - timedelta(days=1) <= span.end:
                months.append(day)
                day = next_month
            else:
                days.append(day)
                day += timedelta(days=1)
    return months, runs_of_days(days)


def top_organizations(*, period: Period, limit: int | None = None) -> list[OrganizationUsage]:
    """The organizations that spent the most credits (net of refunds) in the period.

    The rolled-up days and the live ones are added up in one statement (UNION ALL), so the
    ranking and the limit stay in the database however many organizations spent credits.
    """
    limit = limit or settings.ANALYTICS_TOP_ORGANIZATIONS
    coverage = rollup_coverage(period=period, ledger=True)
    months, days = _whole_months(coverage.rolled)
    parts = []
    if months:
        parts.append(
            MonthlyOrganizationCredits.objects.filter(month__in=months)
            .order_by()
            .values_list("month", "organization_id", "credits", "charges")
        )
    if days:
        parts.append(
            DailyOrganizationCredits.objects.filter(_days_in(days))
            .order_by()
            .values_list("day", "organization_id", "credits", "charges")
        )
    if coverage.live:
        parts.append(organization_credits_per_day(spans=coverage.live))
    spent = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    spent_sql, params = spent.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT organization_id, SUM(credits), SUM(charges) "  # noqa: S608 (the SQL is Django's, values are params)
            f"FROM ({spent_sql}) spent GROUP BY organization_id "
            "ORDER BY SUM(credits) DESC, organization_id LIMIT %s",
            [*params, limit],
        )
        rows = cursor.fetchall()
    to_pk = Organization._meta.pk.to_python  # a raw cursor gives SQLite's UUIDs as text
    rows = [(to_pk(pk), int(credits), int(charges)) for pk, credits, charges in rows]
    names = dict(Organization.objects.filter(pk__in=[row[0] for row in rows]).values_list("pk", "name"))
    return [OrganizationUsage(pk, names.get(pk, "?"), credits, charges) for pk, credits, charges in rows]


# --- 6. Trial-to-paid conversion ------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    created: int
    converted: int
    per_day: DailySeries  # series "converted" and "not converted", by the day of creation

    @property
    def percent(self) -> float:
        return self.converted * 100 / self.created if self.created else 0.0


def trial_conversion(*, period: Period) -> Conversion:
    """Organizations created in the period, and how many of them have paid since (by now):
    a paid order (also one refunded later), or a subscription to a paid plan (staff can start one)."""
    paid_order = Order.objects.filter(organization=OuterRef("pk"), paid_at__isnull=False, paid_at__gte=period.starts_at)
    paid_subscription = Subscription.objects.filter(organization=OuterRef("pk"), plan__is_paid=True)
    rows = (
        Organization.objects.filter(created_at__gte=period.starts_at, created_at__lt=period.ends_at)
        .annotate(day=jakarta_day("created_at"))
        .values("day")
        .annotate(
            created=Count("*"), converted=Count("pk", filter=Q(Exists(paid_order)) | Q(Exists(paid_subscription)))
        )
        .order_by()
    )
    points = []
    for row in rows:
        points += [
            (row["day"], "converted", row["converted"]),
            (row["day"], "not converted", row["created"] - row["converted"]),
        ]
    per_day = DailySeries.from_rows(period, points)
    converted = per_day.total("converted")
    return Conversion(created=converted + per_day.total("not converted"), converted=converted, per_day=per_day)
