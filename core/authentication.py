"""How API callers prove who they are: allauth's app session token, or the browser session."""

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from rest_framework.authentication import SessionAuthentication


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """`X-Session-Token` from allauth headless (app clients).

    A missing or stale token leaves the caller anonymous, and the permission check then
    answers 401 (not 403) because this class names a WWW-Authenticate scheme.
    """

    def authenticate_header(self, request) -> str:
        return "X-Session-Token"


class CsrfSessionAuthentication(SessionAuthentication):
    """The browser's session cookie; DRF enforces CSRF on unsafe methods."""
