"""Celery tasks that talk to a gateway after a commit: the recurring plan's amount, stopping a
recurring plan, closing a payment link no longer due, voiding a Midtrans card check. Services
enqueue them; they import only gateways and models, never the services (no services <-> tasks
cycle)."""

import logging

from celery import shared_task
from django.utils import timezone

from .gateways import GatewayError, gateway_get, recurring_get
from .gateways.midtrans_card import card_check_void as midtrans_card_check_void
from .models import CardCheck, Order, Subscription

logger = logging.getLogger(__name__)


@shared_task(queue="default", autoretry_for=(GatewayError,), retry_backoff=True, max_retries=8)
def recurring_amount_sync(subscription_pk: int) -> None:
    """The gateway charges what the next period costs: the scheduled downgrade's price, or the
    (upgraded) plan's. Idempotent: it sends the current price, whatever ran before."""
    subscription = Subscription.objects.select_related("plan", "next_plan").filter(pk=subscription_pk).first()
    if subscription is None or subscription.renewal_mode != Subscription.RenewalMode.AUTO:
        return
    recurring = recurring_get(subscription.auto_renewal_gateway)
    if recurring is None or not subscription.auto_renewal_reference:
        return
    plan = subscription.next_plan or subscription.plan
    recurring.amount_change(reference=subscription.auto_renewal_reference, amount=plan.price_idr)


def _retry_or_log(exc: GatewayError, what: str) -> None:
    """A refusal (4xx) will not change on retry: logged; anything else is retried."""
    if exc.retryable:
        raise exc
    logger.warning("%s refused by the gateway: %s", what, exc)


@shared_task(queue="default", autoretry_for=(GatewayError,), retry_backoff=True, max_retries=8)
def recurring_stop(gateway: str, reference: str) -> None:
    """Stop a recurring plan at its gateway (Midtrans disable, Xendit deactivate): the
    subscription expired, was replaced, or was canceled by staff. Idempotent at both gateways."""
    recurring = recurring_get(gateway)
    if recurring is None or not reference:
        return
    try:
        recurring.stop(reference=reference)
    except GatewayError as exc:
        _retry_or_log(exc, f"Stopping recurring plan {gateway}:{reference}")


@shared_task(queue="default", autoretry_for=(GatewayError,), retry_backoff=True, max_retries=8)
def payment_link_expire(order_pk: int) -> None:
    """Close the payment link of an order withdrawn while pending (a renewal no longer due)."""
    order = Order.objects.filter(pk=order_pk).first()
    if order is None or order.status != Order.Status.FAILED:
        return  # paid meanwhile (the late-payment rule applies), or never withdrawn
    adapter = gateway_get(order.gateway)
    if adapter is None:
        return
    try:
        adapter.checkout_expire(order=order)
    except GatewayError as exc:
        _retry_or_log(exc, f"Expiring the payment link of {order.order_id}")


@shared_task(queue="default", autoretry_for=(GatewayError,), retry_backoff=True, max_retries=8)
def card_check_void(order_id: str) -> None:
    """Give back the Midtrans card check's amount once Midtrans has confirmed it (its saved token
    is on the subscription, or it could not be used). A refusal (already settled, say) is logged
    for staff to refund from the Midtrans dashboard."""
    check = CardCheck.objects.filter(order_id=order_id, voided_at=None).first()
    if check is None:
        return
    try:
        midtrans_card_check_void(order_id)
    except GatewayError as exc:
        _retry_or_log(exc, f"Voiding card check {order_id}")
        return
    CardCheck.objects.filter(pk=check.pk).update(voided_at=timezone.now())
