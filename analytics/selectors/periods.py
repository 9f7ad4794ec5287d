"""The time range of every figure: whole days in the project's time zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models.functions import TruncDate
from django.utils import timezone


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
