"""Unbinding GoPay accounts MODO no longer charges (Midtrans "Unbind Pay Account"), so the
customer's wallet is not left linked to MODO: when auto-renewal paid by the account turns off
(the owner, a cancel, expiry, staff, another plan), and when a linking is not used. Marked
inside the caller's transaction, unbound after commit (recurring_tasks.gopay_unbind) and tried
again by beat until Midtrans confirms or the tries run out (then flagged for staff)."""

from django.db import transaction
from django.utils import timezone

from ..models import GopayLink
from ..recurring_tasks import gopay_unbind


def gopay_link_unbind_later(link: GopayLink, *, reason: str | None = None) -> None:
    """Inside the link's lock: to unbind (with why MODO did not use it, when it did not)."""
    link.status = GopayLink.Status.UNBINDING
    link.reason = (link.reason if reason is None else reason)[:60]
    link.save(update_fields=["status", "reason", "updated_at"])
    transaction.on_commit(lambda: gopay_unbind.delay(link.pk))


def gopay_links_unbind(*, gateway: str, reference: str) -> int:
    """Inside the subscription's lock, as its auto-renewal turns off: the GoPay account its
    Midtrans subscription `reference` charged is to be unbound. How many."""
    if gateway != "midtrans" or not reference:
        return 0
    linked = GopayLink.objects.filter(recurring_reference=reference, status=GopayLink.Status.LINKED)
    pks = list(linked.values_list("pk", flat=True))
    GopayLink.objects.filter(pk__in=pks).update(status=GopayLink.Status.UNBINDING, updated_at=timezone.now())
    for pk in pks:
        transaction.on_commit(lambda pk=pk: gopay_unbind.delay(pk))
    return len(pks)
