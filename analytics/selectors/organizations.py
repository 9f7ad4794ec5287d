"""5. Top organizations by credits spent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection

from accounts.models import Organization

from ..models import (
    DailyOrganizationCredits,
    MonthlyOrganizationCredits,
)
from .periods import Period
from .rollups import days_in, organization_credits_per_day, rollup_coverage, runs_of_days


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
            DailyOrganizationCredits.objects.filter(days_in(days))
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
