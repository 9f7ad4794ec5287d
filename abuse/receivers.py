"""Signal receivers wired in AbuseConfig.ready()."""

import logging

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from .services import signup_record

logger = logging.getLogger(__name__)


def record_signup_address(sender, request, user, **kwargs) -> None:
    """allauth's user_signed_up (email, social and headless signups): keep the client address.

    The address comes from allauth's adapter, which honours ALLAUTH_TRUSTED_PROXY_COUNT
    (TRUSTED_PROXY_COUNT): REMOTE_ADDR unless proxies in front of us are declared, so a
    client cannot choose its address with a forged X-Forwarded-For.
    """
    if request is None:
        return
    try:
        address = get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):  # no usable address: never fail the signup for it
        logger.warning("No client address for the signup of user %s", user.pk)
        return
    signup_record(user=user, ip_address=address)
