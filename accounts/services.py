"""Writes for users, organizations, memberships and invitations."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import Forbidden, ValidationFailed

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
