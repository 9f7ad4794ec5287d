"""Staff close what MODO could not undo at Midtrans (models.GatewayRelease flagged after
BILLING_GATEWAY_RELEASE_TRIES): a card check they refunded by hand, a GoPay account they had
Midtrans unbind. The flag clears and an audit entry is written in the same transaction; only a
flagged row moves, so a second click (or two staff at once) records nothing more."""

from django.db import transaction
from django.utils import timezone

from audit.models import StaffAction
from audit.services import staff_action_record

from ..models import CardCheck, GopayLink


def _handled_by_hand(model, pk: int, *, field: str, flagged: str, handled: str, actor, reason: str) -> bool:
    """Under the row's lock: `field` from `flagged` to `handled`, the gateway's last answer
    kept in the audit entry only. True when it moved."""
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


def card_check_refunded_by_hand(*, check_id: int, actor) -> bool:
    """A check flagged "Refund by hand" that staff refunded: "Refunded by hand"."""
    return _handled_by_hand(
        CardCheck,
        check_id,
        field="release",
        flagged=CardCheck.Release.FAILED,
        handled=CardCheck.Release.BY_HAND,
        actor=actor,
        reason="Card check of {row.amount} IDR refunded by hand.",
    )


def gopay_link_unbound_by_hand(*, link_id: int, actor) -> bool:
    """A GoPay account flagged "Unbind by hand" that staff had unbound: "Unbound by hand"."""
    return _handled_by_hand(
        GopayLink,
        link_id,
        field="status",
        flagged=GopayLink.Status.UNBIND_FAILED,
        handled=GopayLink.Status.UNBOUND_BY_HAND,
        actor=actor,
        reason="GoPay account unbound at Midtrans by hand.",
    )
