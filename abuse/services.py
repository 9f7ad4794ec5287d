"""Writes of the abuse app: suspension, signup addresses, flags and their alerts, the scan."""

import json
import logging
from dataclasses import dataclass
from datetime import datetime

import sentry_sdk
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from audit.models import StaffAction
from audit.services import staff_action_record
from core.emails import email_send, site_link
from core.errors import ValidationFailed

from .models import AbuseFlag, SignupRecord
from .rules import RULES, RuleHit

logger = logging.getLogger(__name__)


# --- Suspension -----------------------------------------------------------------------


def organization_suspend(*, organization: Organization, actor: User, reason: str) -> bool:
    """Suspend an organization: its AI endpoints answer 403 SUSPENDED until it is lifted.

    The change and its audit row commit together. False when it was already suspended.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the organization is suspended."), fields={"reason": [_("This field may not be blank.")]}
        )
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if locked.is_suspended:
            return False
        locked.suspended_at = timezone.now()
        locked.suspended_reason = reason[:255]
        locked.save(update_fields=["suspended_at", "suspended_reason", "updated_at"])
        staff_action_record(
            actor=actor,
            action=StaffAction.Action.ORGANIZATION_SUSPEND,
            target=locked,
            reason=reason,
            before={"suspended_at": None},
            after={"suspended_at": locked.suspended_at, "suspended_reason": locked.suspended_reason},
        )
    organization.suspended_at, organization.suspended_reason = locked.suspended_at, locked.suspended_reason
    return True


def organization_unsuspend(*, organization: Organization, actor: User, reason: str = "") -> bool:
    """Lift a suspension (audited). False when the organization was not suspended."""
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if not locked.is_suspended:
            return False
        before = {"suspended_at": locked.suspended_at, "suspended_reason": locked.suspended_reason}
        locked.suspended_at = None
        locked.suspended_reason = ""
        locked.save(update_fields=["suspended_at", "suspended_reason", "updated_at"])
        staff_action_record(
            actor=actor,
            action=StaffAction.Action.ORGANIZATION_UNSUSPEND,
            target=locked,
            reason=reason,
            before=before,
            after={"suspended_at": None},
        )
    organization.suspended_at, organization.suspended_reason = None, ""
    return True


# --- Signup addresses -----------------------------------------------------------------


def signup_record(*, user: User, ip_address: str | None) -> SignupRecord | None:
    """Remember where a user signed up from (once per user); nothing without an address."""
    if not ip_address:
        return None
    record, _created = SignupRecord.objects.get_or_create(user=user, defaults={"ip_address": ip_address})
    return record


# --- Flags ----------------------------------------------------------------------------


def abuse_flag_raise(*, hit: RuleHit, now: datetime) -> tuple[AbuseFlag | None, bool]:
    """(flag, created): a new open flag for the hit, or the open one refreshed with its evidence.

    Staff who resolved a flag have seen that window: a flag resolved after the hit's window
    started is not raised again until the window has moved past it ((None, False)).
    """
    with transaction.atomic():
        flag = (
            AbuseFlag.objects.select_for_update().filter(rule=hit.rule, subject=hit.subject, resolved_at=None).first()
        )
        if flag is not None:
            flag.evidence, flag.window_end, flag.last_seen_at = hit.evidence, hit.window_end, now
            flag.save(update_fields=["evidence", "window_end", "last_seen_at"])
            return flag, False
        recently_resolved = AbuseFlag.objects.filter(
            rule=hit.rule, subject=hit.subject, resolved_at__gt=hit.window_start
        ).exists()
        if recently_resolved:
            return None, False
        try:
            with transaction.atomic():
                flag = AbuseFlag.objects.create(
                    rule=hit.rule,
                    subject=hit.subject[:120],
                    organization_id=hit.organization_id,
                    user_id=hit.user_id,
                    ip_address=hit.ip_address,
                    evidence=hit.evidence,
                    window_start=hit.window_start,
                    window_end=hit.window_end,
                    last_seen_at=now,
                )
        except IntegrityError:  # a scan running at the same time raised it first
            return None, False
    return flag, True


def abuse_flag_resolve(*, flag: AbuseFlag, actor: User, note: str = "") -> bool:
    """Close an open flag (audited); False when it was already resolved."""
    with transaction.atomic():
        locked = AbuseFlag.objects.select_for_update().get(pk=flag.pk)
        if not locked.is_open:
            return False
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.resolution_note = (note or "").strip()[:255]
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
        staff_action_record(
            actor=actor,
            action=StaffAction.Action.ABUSE_FLAG_RESOLVE,
            target=locked,
            reason=locked.resolution_note,
            before={"resolved_at": None},
            after={"resolved_at": locked.resolved_at},
            organization=locked.organization,
        )
    return True


def staff_alert_recipients() -> list[str]:
    """STAFF_ALERT_EMAILS and ADMINS; when neither is set, every active staff user."""
    recipients = set(settings.STAFF_ALERT_EMAILS) | {email for _name, email in settings.ADMINS}
    if not recipients:
        recipients = set(User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True))
    return sorted(recipients)


def abuse_flag_notify(*, flag: AbuseFlag, label: str) -> None:
    """Tell staff about a new flag: an email and a Sentry message (a no-op without a DSN)."""
    rule = flag.get_rule_display()
    # No addresses or emails in Sentry: the flag's id and rule lead staff to the admin page.
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("abuse_rule", flag.rule)
        scope.set_extra("abuse_flag_id", flag.pk)
        sentry_sdk.capture_message(f"Abuse flag #{flag.pk}: {rule}", level="warning")
    recipients = staff_alert_recipients()
    if not recipients:
        logger.warning("Abuse flag %s raised but no staff address to email", flag.pk)
        return
    link = site_link(reverse("admin:abuse_abuseflag_change", args=[flag.pk]))
    email_send(
        subject=f"[{settings.SITE_NAME}] Abuse flag: {rule} — {label}",
        text=(
            f"The abuse scan flagged {label} ({flag.subject}) for: {rule}.\n"
            f"Window: {timezone.localtime(flag.window_start):%Y-%m-%d %H:%M} to "
            f"{timezone.localtime(flag.window_end):%Y-%m-%d %H:%M} ({settings.TIME_ZONE}).\n\n"
            f"Evidence:\n{json.dumps(flag.evidence, indent=2, ensure_ascii=False, default=str)}\n\n"
            f"Review it, suspend the organization if needed, and resolve the flag: {link}\n"
        ),
        to=recipients,
    )


@dataclass(frozen=True)
class ScanResult:
    raised: int
    refreshed: int


def abuse_scan(*, now: datetime | None = None) -> ScanResult:
    """Run every rule over its window; raise new flags (each emailed and sent to Sentry once)
    and refresh the evidence of open ones. A failing rule is logged and the others still run."""
    now = now or timezone.now()
    raised = refreshed = 0
    for rule in RULES:
        try:
            hits = rule(now=now)
        except Exception:  # noqa: BLE001 - one broken rule must not silence the others
            logger.exception("Abuse rule %s failed", rule.__name__)
            continue
        for hit in hits:
            flag, created = abuse_flag_raise(hit=hit, now=now)
            if created:
                raised += 1
                abuse_flag_notify(flag=flag, label=hit.label)
            elif flag is not None:
                refreshed += 1
    return ScanResult(raised=raised, refreshed=refreshed)
