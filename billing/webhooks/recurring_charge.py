"""What the Midtrans and Xendit recurring webhooks share once a delivery is verified, stored
and read as one charge: apply it (services.renewal) and answer."""

from django.utils.translation import gettext as _

from ..gateways.base import RecurringCharge
from ..models import WebhookEvent
from ..services.auto_renewal import auto_renewal_charge_apply
from ..services.fulfilment import AmountMismatch
from .receipt import WebhookAnswer, accepted, rejected, webhook_event_close


def recurring_charge_answer(event: WebhookEvent, charge: RecurringCharge) -> WebhookAnswer:
    """400 when the amount is not the order's (flagged for staff), 404 when no subscription of
    ours has that recurring plan, else 200 with what was done; the stored delivery says which."""
    try:
        applied = auto_renewal_charge_apply(charge=charge)
    except AmountMismatch as exc:
        webhook_event_close(event, verdict=WebhookEvent.Verdict.REJECTED, reason="amount mismatch")
        return rejected(400, exc.message, exc.code)
    if applied is None:
        webhook_event_close(event, verdict=WebhookEvent.Verdict.REJECTED, reason="unknown subscription")
        return rejected(404, _("Unknown subscription."), "NOT_FOUND")
    webhook_event_close(event, verdict=applied.verdict, reason=applied.reason, order=applied.order)
    return accepted(event)
