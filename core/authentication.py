"""How API callers prove who they are: allauth's app session token, or the browser session."""

from allauth.core.internal.sessionkit import get_session_user
from allauth.headless import app_settings
from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from allauth.headless.internal.sessionkit import lookup_session
from allauth.headless.tokens.strategies.sessions import SessionTokenStrategy
from allauth.usersessions.internal import usersessionkit
from rest_framework.authentication import SessionAuthentication


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """`X-Session-Token` from allauth headless (app clients).

    A missing or stale token leaves the caller anonymous, and the permission check then
    answers 401 (not 403) because this class names a WWW-Authenticate scheme.
    """

    def authenticate(self, request):
        token = self.get_session_token(request)
        if not token or type(app_settings.TOKEN_STRATEGY) is not SessionTokenStrategy:
            return super().authenticate(request)
        # allauth's session strategy asks the store whether the session exists, then loads it:
        # two reads. Loading alone answers both (a missing or expired session loads empty and
        # drops its key), so: one read of the session store per request.
        session = lookup_session(token)
        user = get_session_user(session) if session is not None else None
        if user is None:
            return None
        usersessionkit.track_activity(getattr(request, "_request", request), user=user, session=session)
        return user, session

    def authenticate_header(self, request) -> str:
        return "X-Session-Token"


class CsrfSessionAuthentication(SessionAuthentication):
    """The browser's session cookie; DRF enforces CSRF on unsafe methods."""
