"""6. Trial-to-paid conversion."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import Organization
from billing.models import Order, Subscription

from .periods import DailySeries, Period, jakarta_day


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
