from django.core.exceptions import PermissionDenied
from django.http import Http404

from .errors import ApplicationError


class PageErrorMiddleware:
    """Pages: a service's NotFound / Forbidden becomes Django's 404 / 403 page, never a 500.

    The API renders the same errors as JSON in its exception handler (core.api).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ApplicationError) or request.path.startswith("/api/"):
            return None
        if exception.status_code == 404:
            raise Http404(exception.message) from exception
        if exception.status_code == 403:
            raise PermissionDenied(exception.message) from exception
        return None
