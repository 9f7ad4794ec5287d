"""Staff close what MODO could not undo at Midtrans (models.GatewayRelease flagged after
BILLING_GATEWAY_RELEASE_TRIES): a card check they refunded by hand, a GoPay account they had
Midtrans unbind. The flag clears and an audit entry is written in the same transaction; only a
flagged row moves, so a second click (or two staff at once) records nothing more."""

from django.db import transaction
from django.utils import timezone

from audit.models import StaffAction
from audit.services import staff_action_record

from ..models import CardCheck, GopayLink

# Per model: the field that flags it, its flagged and its handled value, the audit reason.
BY_HAND = {
    CardCheck: (
        "release",
        CardCheck.Release.FAILED,
        CardCheck.Release.BY_HAND,
        "Card check of {row.amount} IDR refunded by hand.",
    ),
    GopayLink: (
        "status",
        GopayLink.Status.UNBIND_FAILED,
        GopayLink.Status.UNBOUND_BY_HAND,
        "GoPay account unbound at Midtrans by hand.",
    ),
}


def release_handled_by_hand(model, pk: int, *, actor) -> bool:
    """A card check flagged "Refund by hand" becomes "Refunded by hand", a GoPay account
    flagged "Unbind by hand" "Unbound by hand", under the row's lock; the gateway's last answer
    is kept in the audit entry. True when it moved."""
    field, flagged, handled, reason = BY_HAND[model]
    with transaction.atomic():
        row = model.objects.select_for_update().select_related("organization").filter(pk=pk, **{field: flagged}).first()
        if row is None:
            return False
        before = {field: flagged, "release_error": row.release_error}
        model.objects.filter(pk=pk).update(**{field: handled}, release_error="", updated_at=timezone.now())
        staff_action_record(
            actor=actor,
            action=StaffAction.Action.RELEASE_BY_HAND,
            target=row,
            target_label=f"{row.organization} · {row}",
            reason=reason.format(row=row),
            before=before,
            after={field: handled, "release_error": ""},
        )
    return True
