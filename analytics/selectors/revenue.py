"""2. Revenue per day by gateway (paid orders)."""

from __future__ import annotations

from django.db.models import QuerySet, Sum

from billing.models import Order

from .periods import DailySeries, Period, jakarta_day


def paid_orders(*, period: Period) -> QuerySet[Order]:
    return Order.objects.filter(status=Order.Status.PAID, paid_at__gte=period.starts_at, paid_at__lt=period.ends_at)


def revenue_per_day(*, period: Period) -> DailySeries:
    """IDR of paid orders per day (the day they were paid), one series per gateway."""
    rows = (
        paid_orders(period=period)
        .annotate(day=jakarta_day("paid_at"))
        .values("day", "gateway")
        .annotate(idr=Sum("amount"))
        .order_by()
    )
    return DailySeries.from_rows(period, ((row["day"], row["gateway"], row["idr"]) for row in rows))
