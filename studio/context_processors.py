from django.http import HttpRequest

from credits.selectors import credits_summary_get
from credits.services.low_balance import credits_low

from .selectors import notification_unread_count


def notifications(request: HttpRequest) -> dict:
    """The unread count shown in the navigation, and the low-balance banner's figure, for
    signed-in page views only."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/api/"):
        return {}
    context = {"unread_notifications": notification_unread_count(user=user)}
    membership = getattr(request, "membership", None)
    if membership is not None:
        total = credits_summary_get(organization=membership.organization).total
        context["low_credits"] = total if credits_low(total) else None
    return context
