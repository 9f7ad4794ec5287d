"""Backfill the analytics rollups: `manage.py analytics_rollup --since 2024-01-01`."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics.services import rollup_backfill, rollup_refresh


class Command(BaseCommand):
    help = (
        "Recompute the daily analytics rollups of every closed day since a date "
        "(without --since: what the beat task does)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day to recompute, YYYY-MM-DD (Asia/Jakarta)")

    def handle(self, *args, since=None, **options):
        if since is None:
            result = rollup_refresh()
            self.stdout.write(f"recomputed {len(result.days)} day(s)")
            return
        try:
            first = date.fromisoformat(since)
        except ValueError as error:
            raise CommandError(f"--since must be a date like 2025-01-31, not {since!r}") from error
        if first > timezone.localdate():
            raise CommandError(f"--since {first} is in the future")

        def report(result):
            self.stdout.write(f"{result.days[0]} .. {result.days[-1]}: {len(result.days)} day(s)")

        results = rollup_backfill(since=first, report=report)
        self.stdout.write(f"recomputed {sum(len(r.days) for r in results)} day(s)")
