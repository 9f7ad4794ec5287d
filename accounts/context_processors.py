from django.http import HttpRequest

from .selectors import membership_list_for_user


def current_organization(request: HttpRequest) -> dict:
    """The signed-in user's current organization and the others they can switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/api/"):
        return {}
    membership = request.membership
    return {
        "current_membership": membership,
        "current_organization": membership.organization if membership else None,
        "user_memberships": membership_list_for_user(user=user),
    }
