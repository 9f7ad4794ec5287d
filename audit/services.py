"""Writing the staff audit trail. Apps above (accounts, credits, billing, aigen, abuse) call this."""

from typing import Any

from django.db import models

from .models import StaffAction


def staff_action_record(
    *,
    actor,
    action: str,
    target: models.Model,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organization=None,
    target_label: str = "",
) -> StaffAction:
    """One audit row for something `actor` (a staff user) did to `target`.

    Call it inside the transaction of the action itself, so the row and the change commit or
    roll back together. `organization` defaults to the target (an organization) or the
    target's `organization`; `before`/`after` hold only the fields that changed.
    """
    if organization is None:
        organization_id = target.pk if target._meta.label_lower == "accounts.organization" else None
        organization_id = organization_id or getattr(target, "organization_id", None)
    else:
        organization_id = organization.pk
    return StaffAction.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=(target_label or str(target))[:200],
        organization_id=organization_id,
        reason=(reason or "").strip(),
        before=before or {},
        after=after or {},
    )


def field_changes(old: models.Model | None, new: models.Model, fields: list[str]) -> tuple[dict, dict]:
    """(before, after) of the fields whose value differs between two states of a row.

    Foreign keys compare by id; values are JSON-ready (the JSONField encoder handles dates).
    """
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in fields:
        attname = new._meta.get_field(name).attname
        old_value = getattr(old, attname) if old is not None else None
        new_value = getattr(new, attname)
        if old_value != new_value:
            before[name], after[name] = old_value, new_value
    return before, after
