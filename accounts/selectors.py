"""Reads for users and organizations. Lookups by outsiders answer 404, never data."""

import uuid

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.errors import NotFound

from .models import Invitation, Membership, User


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("-organization__is_personal", "organization__name")
    )


def membership_get(*, user: User, organization_id: object) -> Membership:
    """The user's membership of that organization; NotFound for anything else, malformed ids too."""
    try:
        organization_uuid = uuid.UUID(str(organization_id))
    except ValueError:
        raise NotFound(_("Organization not found.")) from None
    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(user=user, organization_id=organization_uuid)
        .first()
    )
    if membership is None:
        raise NotFound(_("Organization not found."))
    return membership


def membership_default(*, user: User) -> Membership | None:
    """The organization a user acts for when nothing else says: their own personal one first."""
    memberships = membership_list_for_user(user=user).select_related("user")
    own = memberships.filter(organization__is_personal=True, role=Membership.Role.OWNER).first()
    return own or memberships.first()


def membership_list_for_organization(*, organization_id: uuid.UUID) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization_id=organization_id)
        .select_related("user")
        .order_by("role", "user__email")
    )


def invitation_list_pending(*, organization_id: uuid.UUID) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organization_id=organization_id, accepted_at__isnull=True)


def invitation_get_pending(*, organization_id: uuid.UUID, invitation_id: object) -> Invitation:
    try:
        invitation_uuid = uuid.UUID(str(invitation_id))
    except ValueError:
        raise NotFound(_("Invitation not found.")) from None
    invitation = invitation_list_pending(organization_id=organization_id).filter(pk=invitation_uuid).first()
    if invitation is None:
        raise NotFound(_("Invitation not found."))
    return invitation


def invitation_addressed_to(*, invitation: Invitation, user) -> bool:
    """Only the addressee may see an invitation's details (organization, inviter, role)."""
    return invitation.email.lower() == (user.email or "").lower()


def invitation_get_by_token(*, token: str, for_update: bool = False) -> Invitation:
    queryset = Invitation.objects.select_related("organization")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    # No token holds an unprintable character (PostgreSQL would refuse a NUL): not found, not a 500.
    invitation = queryset.filter(token=token).first() if token.isprintable() else None
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    return invitation
