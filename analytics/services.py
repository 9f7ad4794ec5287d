"""Writing the daily rollups (analytics.models) that the selectors read for closed days.

rollup_refresh (the beat task, every ANALYTICS_ROLLUP_MINUTES) recomputes:
- the last ANALYTICS_ROLLUP_RECENT_DAYS closed days (3): refunds come within a job's deadline
  (an hour at most for a video, the stuck-job sweep soon after), so a charge's refund almost
  always lands while its day is still in this window;
- any older rolled-up day with a charge refunded since the last run (a refund of an old charge);
- the days missed since the last rolled-up day, if beat stopped for a while.
rollup_backfill (the `analytics_rollup --since` command) recomputes every closed day from a date.

A day is recomputed with delete + insert of all its rows and its RollupDay in one transaction
(INSERT ... SELECT of the live per-day queries of analytics.selectors), so running it twice
changes nothing and a reader sees a day either before or after, never half. A day is closed
once it ended ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS ago: rows are written with created_at
"now" in short transactions, so by then every row of the day is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateField, Max, Sum, Value
from django.utils import timezone

from credits.models import CreditTransaction

from .models import DailyOrganizationCredits, MonthlyOrganizationCredits, RollupDay
from .selectors.periods import Period, jakarta_day
from .selectors.rollups import ROLLUPS, runs_of_days

# Runs of the rollup wait for each other (beat and a backfill at once would both insert a day).
_ADVISORY_LOCK = 0x616E616C  # "anal": any constant unique to this lock


@dataclass(frozen=True)
class RollupResult:
    days: list[date]  # the days recomputed
    started_at: datetime


def _last_closed_day(now: datetime) -> date:
    slack = timedelta(seconds=settings.ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS)
    return timezone.localdate(now - slack) - timedelta(days=1)


def rollup_days_recompute(*, days: list[date], started_at: datetime | None = None) -> RollupResult:
    """Recompute the rollup rows of these (closed) days, in one transaction.

    started_at: when the caller began looking at the tables (recorded as each day's
    rolled_up_at; refunds created after it are looked at again by the next run).
    """
    started_at = started_at or timezone.now()
    days = sorted(set(days))
    if not days:
        return RollupResult(days=[], started_at=started_at)
    if days[-1] > _last_closed_day(started_at):
        raise ValueError(f"{days[-1]} is not closed yet: only days before today are rolled up")
    runs = runs_of_days(days)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
        for model, _query in ROLLUPS:
            for run in runs:
                model.objects.filter(day__gte=run.start, day__lte=run.end).delete()
        RollupDay.objects.filter(day__in=days).delete()
        for model, query in ROLLUPS:
            _insert_from(model, query(spans=runs))
        RollupDay.objects.bulk_create([RollupDay(day=day, rolled_up_at=started_at) for day in days])
        _months_recompute(months={day.replace(day=1) for day in days})
    return RollupResult(days=days, started_at=started_at)


def _months_recompute(*, months: set[date]) -> None:
    """MonthlyOrganizationCredits of these months, from their daily rows: only for a month
    whose every day is rolled up (the selectors read it only then)."""
    MonthlyOrganizationCredits.objects.filter(month__in=months).delete()
    for month in sorted(months):
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if RollupDay.objects.filter(day__gte=month, day__lte=end).count() < end.day:
            continue
        _insert_from(
            MonthlyOrganizationCredits,
            DailyOrganizationCredits.objects.filter(day__gte=month, day__lte=end)
            .values("organization_id")
            .annotate(month=Value(month, output_field=DateField()), credits=Sum("credits"), charges=Sum("charges"))
            .order_by()
            .values_list("month", "organization_id", "credits", "charges"),
        )


def _insert_from(model, queryset) -> None:
    """INSERT INTO the rollup table the rows of a per-day live query (same columns, in order)."""
    columns = [field.column for field in model._meta.concrete_fields if not field.primary_key]
    select_sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) {select_sql}",  # noqa: S608
            params,
        )


def _days_with_new_refunds(*, since: datetime) -> set[date]:
    """The days of the charges refunded since `since` (refunds of rolled-up days' charges)."""
    return set(
        CreditTransaction.objects.filter(type=CreditTransaction.Type.REFUND, created_at__gte=since)
        .values_list(jakarta_day("refund_of__created_at"), flat=True)
        .distinct()
    )


def rollup_refresh(*, now: datetime | None = None, refunds_since: datetime | None = None) -> RollupResult:
    """The beat task's run: recent days, days with new refunds, days missed (module docstring).

    refunds_since: look at refunds from then (default: the last run's start, less the slack).
    """
    now = now or timezone.now()
    last_closed = _last_closed_day(now)
    days = {last_closed - timedelta(days=n) for n in range(settings.ANALYTICS_ROLLUP_RECENT_DAYS)}
    latest = RollupDay.objects.aggregate(day=Max("day"), at=Max("rolled_up_at"))
    if latest["day"] is not None:
        # Catch up after an outage, from the last rolled-up day (older history: the backfill).
        gap_start = latest["day"] + timedelta(days=1)
        days |= set(Period(start=gap_start, end=last_closed).days) if gap_start <= last_closed else set()
        slack = timedelta(seconds=settings.ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS)
        touched = _days_with_new_refunds(since=min(refunds_since or latest["at"], latest["at"]) - slack)
        days |= set(RollupDay.objects.filter(day__in=touched).values_list("day", flat=True))
    return rollup_days_recompute(days=sorted(days), started_at=now)


def rollup_backfill(*, since: date, chunk_days: int = 31, report=None) -> list[RollupResult]:
    """Recompute every closed day from `since`, a transaction per `chunk_days` (oldest first)."""
    started_at = timezone.now()
    last_closed = _last_closed_day(started_at)
    results = []
    start = since
    while start <= last_closed:
        end = min(start + timedelta(days=chunk_days - 1), last_closed)
        result = rollup_days_recompute(days=Period(start=start, end=end).days, started_at=timezone.now())
        results.append(result)
        if report:
            report(result)
        start = end + timedelta(days=1)
    # Refunds of the backfilled days' charges made while it ran.
    results.append(rollup_refresh(refunds_since=started_at))
    return results
