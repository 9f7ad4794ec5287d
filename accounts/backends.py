"""The authentication backends: Django's and allauth's, with the signed-in user read through the
cache (accounts.current.user_cached) on every request instead of a query.

Sessions name the backend that signed them in, so both keep their checks (is_active, the
session hash against the password) and only the read of the row changes.
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends

from .current import user_cached


class CachedUserMixin:
    def get_user(self, user_id):
        user = user_cached(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(CachedUserMixin, django_backends.ModelBackend):
    """Email + password (the username field is the email), staff and permissions."""


class AuthenticationBackend(CachedUserMixin, allauth_backends.AuthenticationBackend):
    """allauth's sign-in rules (email, rate limits, timing)."""
