"""Order status changes and fulfilment.

Every path that changes an order's status goes through `order_status_apply`, under the
order's row lock, so two deliveries of the same notification, a webhook racing the reconcile
task, and a replay an hour later all line up behind one lock and the second finds the work done.

An order's status only moves forward (ORDER_STATUS_RANK): pending -> failed | expired ->
paid -> refunded. Money received wins over an earlier "expired" (the gateway really took
it), and such an order is flagged for staff; nothing moves a paid order back to pending,
failed or expired.

A paid order is fulfilled exactly once (the Fulfilment row is unique per order), in the same
transaction as its ledger rows and its invoice number.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotFound
from credits.services.grants import credits_grant, credits_purchase

from ..models import Fulfilment, Order, WebhookEvent
from ..notifications import order_receipt_send
from .invoices import invoice_issue
from .subscriptions import subscription_apply_paid_order, subscription_changed

ORDER_STATUS_RANK = {
    Order.Status.PENDING: 0,
    Order.Status.FAILED: 1,
    Order.Status.EXPIRED: 1,
    Order.Status.PAID: 2,
    Order.Status.REFUNDED: 3,
}
LEDGER_REFERENCE_TYPE = "billing.order"


@dataclass(frozen=True)
class StatusApplied:
    order: Order
    verdict: str  # WebhookEvent.Verdict
    reason: str
    fulfilled: bool = False


class AmountMismatch(ApplicationError):
    status_code = 400
    code = "AMOUNT_MISMATCH"


def amount_idr_parse(raw: object) -> int | None:
    """A gateway's amount ("49000.00", 49000, 49000.0) as whole IDR; None if it is not one."""
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value != value.to_integral_value():
        return None
    return int(value)


def order_status_apply(
    *, order_id: str, status: str, raw_status: str, amount: object = None, source: str = ""
) -> StatusApplied:
    """Move an order to `status` if that is forward, fulfilling it when it becomes paid.

    `amount` is what the gateway says was paid; if given it must equal the order's amount,
    else nothing changes and the order is flagged for staff (AmountMismatch is raised after
    the flag is committed).
    """
    mismatch = None
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(order_id=order_id).first()
        if order is None:
            raise NotFound(_("Unknown order."))
        if amount is not None and amount_idr_parse(amount) != order.amount:
            order.needs_review = True
            note = f"Amount mismatch from {source or order.gateway}: got {amount!r}, expected {order.amount}"
            order.review_note = note[:255]
            order.save(update_fields=["needs_review", "review_note", "updated_at"])
            mismatch = order
        elif ORDER_STATUS_RANK.get(status, -1) <= ORDER_STATUS_RANK[order.status]:
            if raw_status and order.status == status == Order.Status.PENDING:
                order.gateway_status = raw_status[:40]
                order.save(update_fields=["gateway_status", "updated_at"])
            return StatusApplied(
                order=order,
                verdict=WebhookEvent.Verdict.IGNORED,
                reason=f"order is {order.status}; {raw_status or status} does not move it forward",
            )
        else:
            return _order_status_move(order, status=status, raw_status=raw_status, source=source)
    raise AmountMismatch(
        _("The amount does not match the order."), order_id=mismatch.order_id, expected=mismatch.amount
    )


def _order_status_move(order: Order, *, status: str, raw_status: str, source: str) -> StatusApplied:
    """Inside the order's lock: the move itself, and fulfilment when it is paid."""
    previous = order.status
    now = timezone.now()
    order.status = status
    order.gateway_status = (raw_status or status)[:40]
    fulfilled = False
    reason = f"{previous} -> {status}"
    if status == Order.Status.PAID:
        order.paid_at = order.paid_at or now
        if previous != Order.Status.PENDING:
            order.needs_review = True
            order.review_note = f"Paid after it was {previous} ({source}); fulfilled."[:255]
        if order.fulfilled_at is None:
            _order_fulfil(order, now=now)
            fulfilled = True
    elif status == Order.Status.REFUNDED:
        order.needs_review = True
        order.review_note = f"Refunded at the gateway ({raw_status}); credits were not taken back."[:255]
    order.save()
    if fulfilled:
        transaction.on_commit(lambda: order_receipt_send.delay(order.pk))
    verdict = WebhookEvent.Verdict.FLAGGED if status == Order.Status.REFUNDED else WebhookEvent.Verdict.PROCESSED
    return StatusApplied(order=order, verdict=verdict, reason=reason, fulfilled=fulfilled)


def _order_fulfil(order: Order, *, now) -> None:
    """Exactly once per order: the Fulfilment row is unique per order, written in the same
    transaction as the ledger rows (reference billing.order / order_id) and the invoice."""
    reference = (LEDGER_REFERENCE_TYPE, order.order_id)
    subscription = None
    if order.kind == Order.Kind.PLAN:
        subscription = subscription_apply_paid_order(order=order, now=now)
        if order.credits:
            credits_grant(
                organization=order.organization,
                amount=order.credits,
                user=order.user,
                reference=reference,
                description=_("%(plan)s plan: credits for the period") % {"plan": order.item_name},
            )
    else:
        credits_purchase(
            organization=order.organization,
            amount=order.credits,
            bonus_amount=order.bonus_credits,
            user=order.user,
            reference=reference,
            description=_("Credit pack: %(pack)s") % {"pack": order.item_name},
        )
        subscription_changed(order.organization_id)  # the cached state says whether a pack was bought
    Fulfilment.objects.create(
        order=order,
        subscription=subscription,
        credits=order.credits,
        bonus_credits=order.bonus_credits,
        created_at=now,
    )
    order.fulfilled_at = now
    invoice_issue(order=order, now=now)
