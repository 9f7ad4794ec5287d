import sys

from django.core.management.base import BaseCommand

from credits.selectors import credits_audit_drift


class Command(BaseCommand):
    help = (
        "Check that every organization's balance + bonus_balance equals the sum of its ledger "
        "(main and bonus parts each) and that nothing is negative. Exits 1 on any drift."
    )

    def handle(self, *args, **options):
        drifts = credits_audit_drift()
        if not drifts:
            self.stdout.write(self.style.SUCCESS("Credit ledger audit: no drift."))
            return
        self.stdout.write(self.style.ERROR(f"Credit ledger audit: {len(drifts)} organization(s) drifting."))
        row = "{:<36}  {:>9}  {:>9}  {:>11}  {:>12}  {:>10}  {}"
        self.stdout.write(
            row.format("organization", "balance", "bonus", "ledger_main", "ledger_bonus", "difference", "name")
        )
        for drift in drifts:
            self.stdout.write(
                row.format(
                    str(drift.organization_id),
                    drift.balance,
                    drift.bonus_balance,
                    drift.ledger_main,
                    drift.ledger_bonus,
                    f"{drift.difference:+d}",
                    drift.organization_name,
                )
            )
        sys.exit(1)
