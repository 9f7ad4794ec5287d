"""Housekeeping of pending orders: expiry after a day, and asking the gateway about orders
whose webhook may have been lost."""

import logging
from datetime import timedelta

from django.utils import timezone

from ..gateways import GatewayError, gateways_enabled
from ..models import Order, WebhookEvent
from .fulfilment import AmountMismatch, StatusApplied, order_status_apply

logger = logging.getLogger(__name__)


def order_expire_stale(*, older_than: timedelta) -> int:
    """Pending orders older than `older_than` are expired (forward-only, under the lock).
    Renewal orders live until their subscription is renewed or lapses."""
    cutoff = timezone.now() - older_than
    stale = list(
        Order.objects.filter(status=Order.Status.PENDING, created_at__lte=cutoff)
        .exclude(purpose=Order.Purpose.RENEWAL)
        .values_list("order_id", flat=True)
    )
    expired = 0
    for order_id in stale:
        applied = order_status_apply(
            order_id=order_id, status=Order.Status.EXPIRED, raw_status="expired_by_modo", source="expiry"
        )
        expired += applied.verdict == WebhookEvent.Verdict.PROCESSED
    return expired


def order_recheck(*, order: Order) -> StatusApplied | None:
    """Ask the order's gateway for its status and apply it; None when the gateway has no
    status API (dev), is not configured, or knows nothing decisive."""
    adapter = gateways_enabled().get(order.gateway)
    if adapter is None:
        return None
    answer = adapter.fetch_status(order=order)
    if answer is None or answer.status is None:
        return None
    return order_status_apply(
        order_id=order.order_id,
        status=answer.status,
        raw_status=answer.raw_status,
        amount=answer.amount,
        source=f"{order.gateway} status API",
    )


def order_reconcile_pending(*, older_than: timedelta, younger_than: timedelta) -> int:
    """Catch lost webhooks: ask the gateway about orders pending for a while."""
    now = timezone.now()
    orders = Order.objects.filter(
        status=Order.Status.PENDING,
        created_at__lte=now - older_than,
        created_at__gt=now - younger_than,
        gateway__in=[Order.Gateway.MIDTRANS, Order.Gateway.XENDIT],
    )
    changed = 0
    for order in list(orders):
        try:
            applied = order_recheck(order=order)
        except (GatewayError, AmountMismatch) as exc:
            logger.warning("Reconciling %s failed: %s", order.order_id, exc)
            continue
        changed += bool(applied and applied.verdict == WebhookEvent.Verdict.PROCESSED)
    return changed
