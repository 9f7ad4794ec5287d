"""Midtrans' Pay Account notification, whichever state the link is in: a linking still pending
(or given up) goes to services.gopay_link; an account MODO charges or was unbinding may have
been unlinked by the customer in the Gojek/GoPay app. Midtrans' Get Pay Account decides, never
the body: linked to nothing (DISABLED, EXPIRED or unknown) means the link is unbound (no
unbind call: nothing is left to unbind) and, when it paid the organization's auto-renewal,
renewal turns manual, the Midtrans subscription is stopped and the owners are told by email.
Replays and late deliveries find the link unbound and change nothing."""

from django.db import transaction
from django.utils import timezone

from ..gateways.midtrans_gopay import gopay_account_linked
from ..models import GopayLink, Subscription
from ..notifications import gopay_unlinked_notice_send
from ..selectors import subscription_current_for_update
from .gopay_link import LinkApplied, gopay_link_apply
from .subscriptions import subscription_recurring_stop

UNLINKED_IN_GOPAY = "unlinked_in_gopay"  # the link's reason: /billing/ says so
# Links Midtrans may still have linked to MODO.
HELD = (GopayLink.Status.LINKED, GopayLink.Status.UNBINDING, GopayLink.Status.UNBIND_FAILED)


def gopay_notification_apply(*, account_id: str) -> LinkApplied:
    """Midtrans' (verified) word that something happened to this account. A GatewayError that
    is retryable propagates: nothing changed, Midtrans sends the notification again."""
    link = GopayLink.objects.filter(account_id=account_id).first()
    if link is None:
        return LinkApplied("ignored", "unknown account")
    if link.status in (GopayLink.Status.PENDING, GopayLink.Status.EXPIRED):
        return gopay_link_apply(account_id=account_id)
    if link.status not in HELD:
        return LinkApplied("ignored", f"already {link.status}")
    if gopay_account_linked(account_id):  # asked before taking any lock
        return LinkApplied("ignored", "still linked at Midtrans")
    with transaction.atomic():
        # The subscription's lock first, then the link's: the order turning auto-renewal off takes.
        subscription = subscription_current_for_update(organization_id=link.organization_id)
        link = GopayLink.objects.select_for_update().get(pk=link.pk)
        if link.status not in HELD:
            return LinkApplied("ignored", f"already {link.status}")
        charged = link.status == GopayLink.Status.LINKED
        # Unbound already: nothing is left for MODO (or beat, or staff) to unbind.
        fields = {"status": GopayLink.Status.UNBOUND, "release_error": "", "updated_at": timezone.now()}
        if charged:
            fields["reason"] = UNLINKED_IN_GOPAY
        GopayLink.objects.filter(pk=link.pk).update(**fields)
        if not charged:
            return LinkApplied("processed", f"unlinked in GoPay while {link.status}: unbound")
        if (
            subscription is None
            or subscription.renewal_mode != Subscription.RenewalMode.AUTO
            or subscription.auto_renewal_gateway != "midtrans"
            or subscription.auto_renewal_reference != link.recurring_reference
        ):
            return LinkApplied("processed", "unlinked in GoPay: unbound (it paid no auto-renewal)")
        subscription_recurring_stop(subscription)  # manual renewal; the Midtrans subscription stops
        transaction.on_commit(lambda: gopay_unlinked_notice_send.delay(subscription.pk))
    return LinkApplied("processed", "unlinked in GoPay: auto-renewal off")
