"""Writes for users, organizations, memberships and invitations."""

import re
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import Forbidden, NotFound, ValidationFailed

from . import signals, tasks
from .models import Invitation, Membership, Organization, User
from .selectors import invitation_get_by_token, invitation_get_pending, invitation_list_pending


def organization_create(*, owner: User, name: str, is_personal: bool = False) -> Organization:
    with transaction.atomic():
        organization = Organization.objects.create(name=name, is_personal=is_personal)
        Membership.objects.create(user=owner, organization=organization, role=Membership.Role.OWNER)
        signals.organization_created.send(sender=Organization, organization=organization, owner=owner)
    return organization


def organization_create_personal(*, user: User) -> Organization:
    """A new user's own organization; also tells higher apps the user now exists."""
    signals.user_created.send(sender=User, user=user)
    name = _("%(name)s's studio") % {"name": user.get_short_name()}
    return organization_create(owner=user, name=name[:120], is_personal=True)


def organization_ensure_personal(*, user: User) -> Organization:
    """Users made outside signup (createsuperuser, admin) get their organization on first use."""
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        existing = Organization.objects.filter(memberships__user=user).order_by("-is_personal", "created_at")
        return existing.first() or organization_create_personal(user=user)


def user_create(*, email: str, password: str | None, name: str = "", is_staff: bool = False) -> User:
    """A user and their personal organization, in one transaction."""
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, name=name, is_staff=is_staff)
        organization_create_personal(user=user)
    return user


def organization_rename(*, membership: Membership, name: str) -> Organization:
    _require_manager(membership)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("The name cannot be empty."), fields={"name": [_("This field may not be blank.")]})
    organization = membership.organization
    organization.name = name[:120]
    organization.save(update_fields=["name", "updated_at"])
    return organization


def invitation_create(*, membership: Membership, email: str, role: str) -> Invitation:
    """Invite someone by email; only owners and admins can, and only admins can make admins."""
    _require_manager(membership)
    email = email.strip().lower()
    if role not in (Membership.Role.ADMIN, Membership.Role.MEMBER):
        raise ValidationFailed(_("Choose the role admin or member."), fields={"role": [_("Not a valid role.")]})
    organization = membership.organization
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationFailed(
            _("%(email)s is already a member.") % {"email": email},
            fields={"email": [_("Already a member.")]},
        )
    # Inviting the same address again re-sends: the new link replaces the pending one.
    invitation_list_pending(organization_id=organization.id).filter(email=email).delete()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token=secrets.token_urlsafe(32),
        invited_by=membership.user,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    language = translation.get_language() or ""  # the inviter's, for the email the worker sends
    transaction.on_commit(lambda: tasks.invitation_send_email.delay(str(invitation.pk), language))
    return invitation


def invitation_revoke(*, membership: Membership, invitation_id: object) -> None:
    _require_manager(membership)
    invitation_get_pending(organization_id=membership.organization_id, invitation_id=invitation_id).delete()


def invitation_accept(*, token: str, user: User) -> Membership:
    """Join the invitation's organization. Single use, expiring, for the invited address only."""
    with transaction.atomic():
        invitation = invitation_get_by_token(token=token, for_update=True)
        if invitation.accepted_at is not None:
            raise ValidationFailed(_("This invitation has already been used."), code="INVITATION_USED")
        if invitation.is_expired:
            raise ValidationFailed(_("This invitation has expired. Ask for a new one."), code="INVITATION_EXPIRED")
        if invitation.email.lower() != user.email.lower():
            # Not naming the address: a forwarded link should not reveal who was invited.
            raise Forbidden(
                _("This invitation was sent to another email address. Sign in with that address to accept it."),
                code="INVITATION_OTHER_EMAIL",
            )
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    user=user, organization=invitation.organization, role=invitation.role
                )
        except IntegrityError:
            raise ValidationFailed(
                _("You are already a member of %(org)s.") % {"org": invitation.organization.name},
                code="ALREADY_MEMBER",
            ) from None
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


def _require_manager(membership: Membership) -> None:
    if not membership.can_manage:
        raise Forbidden(_("Only owners and admins can do this."))


# --- Teams: members, roles, ownership -------------------------------------------------
#
# Who may do what (an organization always keeps at least one owner):
#   invite, change a role, remove  owners on anyone; admins on admins and members (never on
#                                  owners, never making owners)
#   transfer ownership             owners only
#   leave                          anyone but the last owner
# The organization row is locked first, then its memberships, so two changes at once (two
# owners demoting each other) cannot both pass the last-owner check.


class LastOwner(ValidationFailed):
    code = "LAST_OWNER"


def organization_create_team(*, owner: User, name: object) -> Organization:
    """A team organization; its creator is its owner."""
    if not isinstance(name, str) or not name.strip() or not name.strip().isprintable():
        raise ValidationFailed(_("The name cannot be empty."), fields={"name": [_("This field may not be blank.")]})
    return organization_create(owner=owner, name=name.strip()[:120])


def _organization_lock(organization_id) -> None:
    Organization.objects.select_for_update().filter(pk=organization_id).first()


def _member_get(*, organization_id, user_id: object) -> Membership:
    try:
        user_uuid = uuid.UUID(str(user_id))
    except ValueError:
        raise NotFound(_("Member not found.")) from None
    member = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(organization_id=organization_id, user_id=user_uuid)
        .first()
    )
    if member is None:
        raise NotFound(_("Member not found."))
    return member


def _owners_left_without(member: Membership) -> int:
    return (
        Membership.objects.filter(organization_id=member.organization_id, role=Membership.Role.OWNER)
        .exclude(pk=member.pk)
        .count()
    )


def _require_over(actor: Membership, member: Membership) -> None:
    """Owners act on anyone; admins on admins and members; members on nobody."""
    if not actor.can_manage:
        raise Forbidden(_("Only owners and admins manage members."))
    if member.role == Membership.Role.OWNER and actor.role != Membership.Role.OWNER:
        raise Forbidden(_("Only owners can change or remove an owner."))


def membership_role_change(*, membership: Membership, user_id: object, role: object) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationFailed(_("Choose the role owner, admin or member."), fields={"role": [_("Not a valid role.")]})
    if not membership.can_manage:
        raise Forbidden(_("Only owners and admins manage members."))
    with transaction.atomic():
        _organization_lock(membership.organization_id)
        member = _member_get(organization_id=membership.organization_id, user_id=user_id)
        _require_over(membership, member)
        if role == Membership.Role.OWNER and membership.role != Membership.Role.OWNER:
            raise Forbidden(_("Only owners can make someone an owner."))
        if member.role == Membership.Role.OWNER and role != Membership.Role.OWNER and not _owners_left_without(member):
            raise LastOwner(_("An organization keeps at least one owner: make someone else an owner first."))
        member.role = role
        member.save(update_fields=["role", "updated_at"])
    return member


def membership_remove(*, membership: Membership, user_id: object) -> None:
    with transaction.atomic():
        _organization_lock(membership.organization_id)
        member = _member_get(organization_id=membership.organization_id, user_id=user_id)
        if member.pk == membership.pk:
            return _membership_leave_locked(member)
        _require_over(membership, member)
        member.delete()  # the cached membership of the removed user goes with it (accounts.current)
    return None


def membership_leave(*, membership: Membership) -> None:
    with transaction.atomic():
        _organization_lock(membership.organization_id)
        member = _member_get(organization_id=membership.organization_id, user_id=membership.user_id)
        _membership_leave_locked(member)


def _membership_leave_locked(member: Membership) -> None:
    if member.role == Membership.Role.OWNER and not _owners_left_without(member):
        raise LastOwner(_("You are the last owner: transfer the ownership before you leave."))
    member.delete()


def ownership_transfer(*, membership: Membership, user_id: object) -> Membership:
    """The member becomes an owner and the caller an admin."""
    if membership.role != Membership.Role.OWNER:
        raise Forbidden(_("Only owners can transfer the ownership."))
    with transaction.atomic():
        _organization_lock(membership.organization_id)
        member = _member_get(organization_id=membership.organization_id, user_id=user_id)
        me = _member_get(organization_id=membership.organization_id, user_id=membership.user_id)
        if member.pk == me.pk:
            raise ValidationFailed(
                _("You already own this organization."), fields={"user_id": [_("Choose another member.")]}
            )
        member.role = Membership.Role.OWNER
        member.save(update_fields=["role", "updated_at"])
        me.role = Membership.Role.ADMIN
        me.save(update_fields=["role", "updated_at"])
    return member


# 15 digits, plain or as printed (99.999.999.9-999.999), or the 16-digit NIK-based form.
NPWP_FORMAT = re.compile(r"[0-9]{15}|[0-9]{2}\.[0-9]{3}\.[0-9]{3}\.[0-9]-[0-9]{3}\.[0-9]{3}|[0-9]{16}", re.ASCII)


def npwp_normalize(raw: object) -> str:
    """An NPWP as printed: 15 digits as 99.999.999.9-999.999, 16 digits (the NIK-based form) as is.
    Blank is allowed (it is optional); anything else is a ValidationFailed."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""
    invalid = ValidationFailed(
        _("The NPWP must have 15 digits (99.999.999.9-999.999) or 16 digits."),
        fields={"tax_id": [_("Not a valid NPWP.")]},
    )
    match = NPWP_FORMAT.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        raise invalid
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) == 15:
        return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}.{digits[8]}-{digits[9:12]}.{digits[12:]}"
    return digits


def organization_billing_update(*, membership: Membership, tax_id: object, billing_address: object) -> Organization:
    """The buyer's details printed on invoices; owners only (they manage billing)."""
    if membership.role != Membership.Role.OWNER:
        raise Forbidden(_("Only owners manage billing details."))
    normalized = npwp_normalize(tax_id)
    if billing_address is None:
        billing_address = ""
    if not isinstance(billing_address, str) or len(billing_address) > 500 or "\x00" in billing_address:
        raise ValidationFailed(
            _("The address is too long or malformed."), fields={"billing_address": [_("At most 500 characters.")]}
        )
    organization = membership.organization
    organization.tax_id = normalized
    organization.billing_address = billing_address.strip()
    organization.save(update_fields=["tax_id", "billing_address", "updated_at"])
    return organization
