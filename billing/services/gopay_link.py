"""Midtrans GoPay auto-renewal: the owner gives the phone number of their GoPay account, MODO
asks Midtrans to link it (GoPay Tokenization) and sends the owner to GoPay's activation page.
When the owner comes back, or Midtrans' linking notification arrives, MODO asks Midtrans
for the account (never the browser or the notification body); once it is ENABLED the Midtrans
subscription is created on it and renewal turns automatic. Pending, expired or disabled:
renewal stays manual and /billing/ says why. Only the account_id is kept: an account MODO
does not charge (a linking it did not use, auto-renewal turned off) is unbound with it
(services.gopay_unbind)."""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.errors import ValidationFailed

from ..gateways import GatewayError, recurring_get
from ..gateways.midtrans_gopay import gopay_account_create, gopay_account_get
from ..gateways.midtrans_recurring import GOPAY_PREFIX
from ..models import GopayLink, Subscription
from ..selectors import subscription_current_for_update
from .checkout import GatewayUnavailable, billing_manager_require, gateway_choose
from .gopay_unbind import gopay_link_unbind_later
from .subscriptions import subscription_auto_renewal_on, subscription_for_auto_renewal

logger = logging.getLogger(__name__)

# An Indonesian mobile number: +62 / 62 / 0, then 8 and 8 to 11 more digits. Midtrans wants it
# without the country code and without the leading 0 (9 to 12 digits).
_MOBILE = re.compile(r"(?:\+?62|0)?(8\d{8,11})")


def gopay_phone_normalize(phone_number: object) -> str:
    """ "0812-3456-7890", "+62 812 3456 7890" -> "81234567890"; a ValidationFailed otherwise."""
    cleaned = re.sub(r"[\s().-]", "", phone_number) if isinstance(phone_number, str) else ""
    found = _MOBILE.fullmatch(cleaned) if len(cleaned) <= 20 else None
    if found is None:
        raise ValidationFailed(
            _("Enter the Indonesian mobile number of your GoPay account."),
            fields={"phone_number": [_("Enter a mobile number such as 0812 3456 7890.")]},
        )
    return found.group(1)


def gopay_link_start(*, membership: Membership, phone_number: object, return_url: str) -> str:
    """Ask Midtrans to link the GoPay account of this number; GoPay's activation page to send the
    owner to. Renewal stays manual until Midtrans says the account is ENABLED."""
    billing_manager_require(membership)
    phone = gopay_phone_normalize(phone_number)
    gateway_choose("midtrans")  # Midtrans keys configured, or nothing is sent anywhere
    subscription = subscription_for_auto_renewal(organization=membership.organization)
    if subscription.renewal_mode == Subscription.RenewalMode.AUTO:
        raise ValidationFailed(_("Automatic renewal is already on."), code="ALREADY_AUTO")
    try:
        account_id, activation_url = gopay_account_create(phone_number=phone, redirect_url=return_url)
    except GatewayError as exc:
        if not exc.retryable:
            raise ValidationFailed(
                _("Midtrans refused to link this GoPay account."),
                fields={"phone_number": [_("Check the number of your GoPay account.")]},
            ) from exc
        raise GatewayUnavailable(_("The payment gateway is not answering. Please try again in a moment.")) from exc
    GopayLink.objects.create(
        account_id=account_id[:64], organization_id=membership.organization_id, subscription=subscription
    )
    return activation_url


@dataclass(frozen=True)
class LinkApplied:
    verdict: str  # "processed" | "ignored"
    reason: str = ""


def gopay_account_of(payment_token: str) -> str | None:
    """The account_id in a "gopay:<account_id>" payment token; None for any other token."""
    return payment_token[len(GOPAY_PREFIX) :] if payment_token.startswith(GOPAY_PREFIX) else None


def gopay_link_owned(*, organization_id, account_id: str) -> bool:
    return GopayLink.objects.filter(organization_id=organization_id, account_id=account_id).exists()


def gopay_link_mark_linked(*, account_id: str, reference: str) -> None:
    """Auto-renewal went on through the API with this account (Midtrans says it is ENABLED):
    linked, charged by the Midtrans subscription `reference` (unbound when that stops)."""
    GopayLink.objects.filter(account_id=account_id).exclude(status__in=GopayLink.UNBIND_STATES).update(
        status=GopayLink.Status.LINKED, reason="", recurring_reference=reference[:100], updated_at=timezone.now()
    )


def gopay_link_latest_pending(*, organization_id) -> GopayLink | None:
    return GopayLink.objects.filter(organization_id=organization_id, status=GopayLink.Status.PENDING).first()


def gopay_link_apply(*, account_id: str) -> LinkApplied:
    """Midtrans' word on a linking (the owner's return or the notification, both only a cue).
    The link row stays locked while the subscription is created so a return and a notification
    at once, or a replay, create one Midtrans subscription. A GatewayError that is retryable
    propagates: nothing changed, the next cue tries again."""
    with transaction.atomic():
        link = GopayLink.objects.select_for_update().filter(account_id=account_id).first()
        if link is None:
            return LinkApplied("ignored", "unknown account")
        if link.status == GopayLink.Status.EXPIRED:
            return _late_link_unbind(link)
        if link.status != GopayLink.Status.PENDING:
            return LinkApplied("ignored", f"already {link.status}")
        account = gopay_account_get(link.account_id)
        if account.status == "PENDING":
            return LinkApplied("ignored", "still pending")
        if account.status != "ENABLED":
            _fail(
                link,
                GopayLink.Status.EXPIRED if account.status == "EXPIRED" else GopayLink.Status.FAILED,
                account.status,
            )
            return LinkApplied("processed", f"account {account.status}")
        subscription = subscription_current_for_update(organization_id=link.organization_id)
        if (
            subscription is None
            or subscription.pk != link.subscription_id
            or subscription.status != Subscription.Status.ACTIVE
            or subscription.renewal_mode == Subscription.RenewalMode.AUTO
        ):
            gopay_link_unbind_later(link, reason="plan_changed")  # ENABLED, but charged by nothing
            return LinkApplied("processed", "the plan changed meanwhile")
        owner = link.organization.memberships.filter(role=Membership.Role.OWNER).select_related("user").first()
        try:
            reference = recurring_get("midtrans").start(
                subscription=subscription,
                plan=subscription.next_plan or subscription.plan,
                payment_token=f"{GOPAY_PREFIX}{link.account_id}",
                payer_email=owner.user.email if owner else "",
            )
        except GatewayError as exc:
            if exc.retryable:
                raise
            logger.warning("Midtrans refused the subscription of GoPay account %s: %s", account_id, exc)
            gopay_link_unbind_later(link, reason="subscription_refused")
            return LinkApplied("processed", "subscription refused")
        subscription_auto_renewal_on(subscription, gateway="midtrans", reference=reference)
        link.status = GopayLink.Status.LINKED
        link.recurring_reference = reference[:100]
        link.save(update_fields=["status", "recurring_reference", "updated_at"])
    return LinkApplied("processed", "auto-renewal on")


def _late_link_unbind(link: GopayLink) -> LinkApplied:
    """A cue for a linking MODO gave up on: an account enabled after all is charged by
    nothing, so it is unbound; renewal stays manual."""
    if gopay_account_get(link.account_id).status != "ENABLED":
        return LinkApplied("ignored", "already expired")
    gopay_link_unbind_later(link)
    return LinkApplied("processed", "enabled after it expired: unbound")


def gopay_link_return(*, membership: Membership) -> GopayLink | None:
    """The owner is back from GoPay: check their newest pending linking with Midtrans. The
    link as it is now (None when there was none)."""
    billing_manager_require(membership)
    link = gopay_link_latest_pending(organization_id=membership.organization_id)
    if link is None:
        return None
    try:
        gopay_link_apply(account_id=link.account_id)
    except GatewayError as exc:
        logger.warning("Midtrans GoPay account %s: %s", link.account_id, exc)  # the notification retries
    link.refresh_from_db()
    return link


def _fail(link: GopayLink, status: str, reason: str) -> None:
    link.status = status
    link.reason = reason[:60]
    link.save(update_fields=["status", "reason", "updated_at"])


def gopay_links_expire(*, older_than: timedelta) -> int:
    """Pending GoPay linkings never confirmed (the owner left GoPay's page, say): expired, so
    /billing/ stops saying "pending"; an account Midtrans' notification later says is ENABLED
    is then unbound, not used (gopay_link_apply). The number expired."""
    return GopayLink.objects.filter(status=GopayLink.Status.PENDING, created_at__lt=timezone.now() - older_than).update(
        status=GopayLink.Status.EXPIRED, reason="no_confirmation", updated_at=timezone.now()
    )
