from django.http import HttpRequest

from .selectors import notification_unread_count


def notifications(request: HttpRequest) -> dict:
    """The unread count shown in the navigation, for signed-in page views only."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/api/"):
        return {}
    return {"unread_notifications": notification_unread_count(user=user)}
