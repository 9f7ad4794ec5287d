"""Celery tasks that talk to a gateway after a commit: the recurring plan's amount, stopping a
recurring plan, closing a payment link no longer due, and the releases (models.GatewayRelease:
voiding a Midtrans card check, unbinding a GoPay account), which beat tries again until done
or flagged for staff.
Services enqueue them; they import only gateways and models, never the services (no
services <-> tasks cycle)."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .gateways import GatewayError, gateway_get, recurring_get
from .gateways.midtrans_card import card_check_refund as midtrans_card_check_refund
from .gateways.midtrans_card import card_check_void as midtrans_card_check_void
from .gateways.midtrans_gopay import gopay_account_unbind
from .models import CardCheck, GopayLink, Order, Subscription

logger = logging.getLogger(__name__)
# Beat retries a pending release once its last try is this old (the beat runs every 10 min).
RELEASE_RETRY_AFTER = timedelta(minutes=5)


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


def _release_try(
    model, pk: int, *, pending: dict, done: dict, gave_up: dict, attempt, staff_note: str, last_resort=None
) -> bool:
    """One try at undoing something at a gateway (models.GatewayRelease), with the row locked
    so the after-commit task and beat never try the same row at once. Done: `done`. Failed:
    counted with the gateway's answer; after BILLING_GATEWAY_RELEASE_TRIES the `last_resort`
    (a (call, done fields) pair), if any, gets one go, and failing that too `gave_up` flags it
    for staff with `staff_note`. True when done now."""
    with transaction.atomic():
        # Waits for a lock someone holds (a replayed notification reading the row, the other
        # of the task and beat trying it): skipping would leave the after-commit try to beat.
        # The filter is checked again on the row as committed, so a release done meanwhile is
        # not tried twice.
        row = model.objects.select_for_update().filter(pk=pk, **pending).first()
        if row is None:  # done already
            return False
        now, tries = timezone.now(), row.release_tries + 1
        tried = {"release_tries": tries, "release_tried_at": now, "updated_at": now}
        try:
            attempt(row)
        except GatewayError as exc:
            if tries < settings.BILLING_GATEWAY_RELEASE_TRIES:
                logger.warning("%s %s, try %s: %s", model.__name__, row, tries, exc)
                model.objects.filter(pk=pk).update(**tried, release_error=str(exc)[:255])
                return False
            error = exc
            if last_resort is not None:
                call, resolved = last_resort
                try:
                    call(row)
                except GatewayError as last_exc:
                    error = last_exc
                else:
                    model.objects.filter(pk=pk).update(**resolved, **tried, release_error="")
                    return True
            note = staff_note.format(row=row, tries=tries)
            release_error = f"{note} Last answer: {error}"[:255]
            logger.error("%s %s gave up: %s", model.__name__, row, release_error)
            model.objects.filter(pk=pk).update(**gave_up, **tried, release_error=release_error)
            return False
        model.objects.filter(pk=pk).update(**done, **tried, release_error="")
    return True


def card_check_release_try(check_pk: int) -> bool:
    """Cancel the check; once the cancels are spent, refund it if Midtrans says it settled."""
    return _release_try(
        CardCheck,
        check_pk,
        pending={"release": CardCheck.Release.PENDING},
        done={"release": CardCheck.Release.RELEASED, "voided_at": timezone.now()},
        gave_up={"release": CardCheck.Release.FAILED},
        attempt=lambda check: midtrans_card_check_void(check.order_id),
        last_resort=(
            lambda check: midtrans_card_check_refund(check.order_id, amount=check.amount),
            {"release": CardCheck.Release.REFUNDED, "voided_at": timezone.now()},
        ),
        staff_note=(
            "Midtrans did not cancel this check in {tries} tries, nor refund it: refund {row.amount} IDR by hand."
        ),
    )


@shared_task(queue="default")
def card_check_release(check_pk: int) -> None:
    """Give back a confirmed Midtrans card check's amount (its saved token is on the
    subscription, or it could not be used). A refusal or failure stays pending for beat."""
    card_check_release_try(check_pk)


def gopay_unbind_try(link_pk: int) -> bool:
    return _release_try(
        GopayLink,
        link_pk,
        pending={"status": GopayLink.Status.UNBINDING},
        done={"status": GopayLink.Status.UNBOUND},
        gave_up={"status": GopayLink.Status.UNBIND_FAILED},
        attempt=lambda link: gopay_account_unbind(link.account_id),
        staff_note="Midtrans did not unbind this GoPay account in {tries} tries: ask Midtrans to unbind it.",
    )


@shared_task(queue="default")
def gopay_unbind(link_pk: int) -> None:
    """Unbind a GoPay account MODO no longer charges, so the customer's wallet is no longer
    linked to MODO. A failure stays pending for beat."""
    gopay_unbind_try(link_pk)


def gateway_releases_retry() -> int:
    """Beat: one more try for every release still pending whose last try (or request) is
    RELEASE_RETRY_AFTER old. The number done."""
    cutoff = timezone.now() - RELEASE_RETRY_AFTER
    due = Q(release_tried_at__lt=cutoff) | Q(release_tried_at=None, updated_at__lt=cutoff)
    checks = CardCheck.objects.filter(due, release=CardCheck.Release.PENDING).values_list("pk", flat=True)
    links = GopayLink.objects.filter(due, status=GopayLink.Status.UNBINDING).values_list("pk", flat=True)
    return sum(card_check_release_try(pk) for pk in list(checks)) + sum(gopay_unbind_try(pk) for pk in list(links))
