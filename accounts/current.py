"""The organization a request acts for.

API clients name it with the `X-Organization` header (checked against the caller's
memberships: an outsider gets 404, never data); pages keep it in the session; with neither,
the user's personal organization.
"""

from django.http import HttpRequest

from core.errors import NotFound

from .models import Membership, User
from .selectors import membership_default, membership_get
from .services import organization_ensure_personal

SESSION_KEY = "organization_id"
HEADER = "X-Organization"


def membership_for_request(request: HttpRequest, user: User) -> Membership:
    requested = request.headers.get(HEADER)
    if requested:
        return membership_get(user=user, organization_id=requested)
    remembered = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if remembered:
        try:
            return membership_get(user=user, organization_id=remembered)
        except NotFound:
            request.session.pop(SESSION_KEY, None)  # left or was removed: fall back
    membership = membership_default(user=user)
    if membership is None:
        organization_ensure_personal(user=user)
        membership = membership_default(user=user)
    return membership


def remember_organization(request: HttpRequest, membership: Membership) -> None:
    request.session[SESSION_KEY] = str(membership.organization_id)
