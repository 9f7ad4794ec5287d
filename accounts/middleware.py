from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .current import membership_for_request


class CurrentOrganizationMiddleware:
    """Pages: `request.membership` is the signed-in user's membership of the current organization.

    Resolved lazily, so requests that never look cost no query. API views resolve it again
    after DRF has authenticated the caller (see accounts.api.base).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.membership = SimpleLazyObject(lambda: _membership_or_none(request))
        return self.get_response(request)


def _membership_or_none(request: HttpRequest):
    if not request.user.is_authenticated or request.path.startswith("/api/"):
        return None
    return membership_for_request(request, request.user)
