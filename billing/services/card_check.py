"""Midtrans card auto-renewal: the Subscriptions API takes only a SAVED card token, which comes
from a first Core API card charge with 3DS and `save_token_id`. MODO makes that charge a small
card check (`BILLING_CARD_CHECK_IDR`), sends the owner to the bank's 3DS page, and when the
verified notification says the check settled with a `saved_token_id`, creates the Midtrans
subscription with it, turns auto-renewal on and voids the check. Why a check and not a real
payment: nothing is due when the owner turns auto-renewal on, and the period already paid stays
exactly as it is; the check's money goes back at once."""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.errors import ValidationFailed

from ..gateways import GatewayError, recurring_get
from ..gateways.midtrans_card import CARD_CHECK_PREFIX, card_check_charge, card_token_is_one_time
from ..models import CardCheck, Order, Subscription
from ..recurring_tasks import card_check_release
from ..selectors import subscription_current_for_update
from .checkout import GatewayUnavailable, billing_manager_require, gateway_choose
from .fulfilment import amount_idr_parse
from .subscriptions import subscription_auto_renewal_on, subscription_for_auto_renewal

logger = logging.getLogger(__name__)


def card_check_start(*, membership: Membership, token_id: object) -> str:
    """Charge the card check with the browser's one-time token; the 3DS page to send the owner to.
    Auto-renewal stays manual until Midtrans confirms the check (card_check_apply)."""
    billing_manager_require(membership)
    gateway_choose("midtrans")  # Midtrans keys configured, or nothing is sent anywhere
    if not isinstance(token_id, str) or not card_token_is_one_time(token_id):
        raise ValidationFailed(
            _("This is not a payment token of %(gateway)s.") % {"gateway": "Midtrans"},
            fields={"payment_token": [_("Not a payment method the gateway accepts.")]},
        )
    subscription = subscription_for_auto_renewal(organization=membership.organization)
    if subscription.renewal_mode == Subscription.RenewalMode.AUTO:
        raise ValidationFailed(_("Automatic renewal is already on."), code="ALREADY_AUTO")
    check = CardCheck.objects.create(
        order_id=f"{CARD_CHECK_PREFIX}{subscription.pk:010d}-{secrets.token_hex(6)}",
        organization_id=membership.organization_id,
        subscription=subscription,
        amount=settings.BILLING_CARD_CHECK_IDR,
    )
    try:
        return card_check_charge(
            order_id=check.order_id, amount=check.amount, token_id=token_id, payer_email=membership.user.email
        )
    except GatewayError as exc:
        reason = "unavailable" if exc.retryable else "refused"
        CardCheck.objects.filter(pk=check.pk).update(status=CardCheck.Status.FAILED, reason=reason)
        if not exc.retryable:
            raise ValidationFailed(
                _("The payment gateway refused this card."),
                fields={"payment_token": [_("Not a payment method the gateway accepts.")]},
            ) from exc
        raise GatewayUnavailable(_("The payment gateway is not answering. Please try again in a moment.")) from exc


@dataclass(frozen=True)
class CheckApplied:
    verdict: str  # "processed" | "ignored"
    reason: str = ""


def card_check_apply(
    *, order_id: str, status: str | None, raw_status: str, amount, saved_token_id: str
) -> CheckApplied:
    """Midtrans' (re-checked) word on a card check. Only a pending check moves, once: a replay or
    a late duplicate finds it saved or failed and changes nothing. The check row stays locked
    while the subscription is created at Midtrans so two deliveries at once create one."""
    with transaction.atomic():
        check = CardCheck.objects.select_for_update().select_related("subscription").filter(order_id=order_id).first()
        if check is None:
            return CheckApplied("ignored", "unknown card check")
        if check.status == CardCheck.Status.EXPIRED and status == Order.Status.PAID:
            # Confirmed after MODO gave up on it: renewal stays manual, the money goes back.
            _release(check)
            return CheckApplied("ignored", "already expired; voided")
        if check.status != CardCheck.Status.PENDING:
            return CheckApplied("ignored", f"already {check.status}")
        if status in (Order.Status.FAILED, Order.Status.EXPIRED, Order.Status.REFUNDED):
            _fail(check, raw_status)
            return CheckApplied("processed", f"card check {raw_status}")
        if status != Order.Status.PAID:
            return CheckApplied("ignored", f"status {raw_status}")
        if amount_idr_parse(amount) != check.amount:
            return CheckApplied("ignored", "amount mismatch")
        _release(check)  # whatever happens next
        if not saved_token_id:
            _fail(check, "no_saved_token")
            return CheckApplied("processed", "settled without a saved token")
        subscription = subscription_current_for_update(organization_id=check.organization_id)
        if (
            subscription is None
            or subscription.pk != check.subscription_id
            or subscription.status != Subscription.Status.ACTIVE
            or subscription.renewal_mode == Subscription.RenewalMode.AUTO
        ):
            _fail(check, "plan_changed")
            return CheckApplied("processed", "the plan changed meanwhile")
        owner = check.organization.memberships.filter(role=Membership.Role.OWNER).select_related("user").first()
        try:
            reference = recurring_get("midtrans").start(
                subscription=subscription,
                plan=subscription.next_plan or subscription.plan,
                payment_token=saved_token_id,
                payer_email=owner.user.email if owner else "",
            )
        except GatewayError as exc:
            if exc.retryable:
                raise  # nothing changed: Midtrans sends the notification again
            logger.warning("Midtrans refused the subscription of card check %s: %s", order_id, exc)
            _fail(check, "subscription_refused")
            return CheckApplied("processed", "subscription refused")
        subscription_auto_renewal_on(subscription, gateway="midtrans", reference=reference)
        check.status = CardCheck.Status.SAVED
        check.save(update_fields=["status", "updated_at"])
    return CheckApplied("processed", "auto-renewal on")


def _release(check: CardCheck) -> None:
    """Inside the check's lock: Midtrans took its amount, which goes back. Marked here, so beat
    tries again should the cancel after commit be refused or fail (recurring_tasks)."""
    if check.release != CardCheck.Release.NONE:
        return  # a replay: asked already
    check.release = CardCheck.Release.PENDING
    check.save(update_fields=["release", "updated_at"])
    transaction.on_commit(lambda: card_check_release.delay(check.pk))


def _fail(check: CardCheck, reason: str) -> None:
    check.status = CardCheck.Status.FAILED
    check.reason = reason[:60]
    check.save(update_fields=["status", "reason", "updated_at"])


def card_checks_expire(*, older_than: timedelta) -> int:
    """Pending card checks whose notification never came (the owner left the 3DS page, say):
    expired, so /billing/ stops saying "pending"; a confirmation arriving later is voided
    (card_check_apply). The number expired."""
    return CardCheck.objects.filter(status=CardCheck.Status.PENDING, created_at__lt=timezone.now() - older_than).update(
        status=CardCheck.Status.EXPIRED, reason="no_confirmation", updated_at=timezone.now()
    )
