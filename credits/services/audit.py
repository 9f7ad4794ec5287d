"""Alerting staff when a balance drifts from its ledger (found by the daily audit)."""

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from core.emails import email_send, site_link

from ..selectors import LedgerDrift


def credits_drift_alert_send(*, drifts: list[LedgerDrift]) -> None:
    """Email STAFF_ALERT_EMAILS and every active staff user about organizations that drift."""
    recipients = set(settings.STAFF_ALERT_EMAILS)
    recipients.update(User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True))
    if not recipients:
        return
    lines = [
        f"{drift.organization_name} ({drift.organization_id}): balance {drift.balance} + bonus "
        f"{drift.bonus_balance}, ledger {drift.ledger_main} + {drift.ledger_bonus} (difference {drift.difference:+d})"
        for drift in drifts
    ]
    email_send(
        subject=f"[{settings.SITE_NAME}] Credit ledger drift in {len(drifts)} organization(s)",
        text="The daily credits_audit found balances that do not match their ledger:\n\n"
        + "\n".join(lines)
        + "\n\nRun `python manage.py credits_audit` to see the current state; the ledger in the admin: "
        + site_link(reverse("admin:credits_credittransaction_changelist")),
        to=sorted(recipients),
    )
