"""Beat tasks of the ledger (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .idempotency import idempotency_purge_expired
from .selectors import credits_audit_drift
from .services.audit import credits_drift_alert_send
from .services.low_balance import low_balance_email_send


@shared_task
def credits_audit_daily() -> int:
    """Check every organization's balance against its ledger; email staff about any drift."""
    drifts = credits_audit_drift()
    if drifts:
        credits_drift_alert_send(drifts=drifts)
    return len(drifts)


@shared_task
def idempotency_purge_daily() -> int:
    return idempotency_purge_expired()


@shared_task
def low_balance_email(organization_id: str, total: int) -> int:
    return low_balance_email_send(organization_id=organization_id, total=total)
