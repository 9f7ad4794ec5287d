"""A URLconf for the Sentry test only: a view that fails holding secrets, as real code might."""

import logging

import sentry_sdk
from django.urls import include, path


def pay(request):
    password = "local-var-password-1"  # noqa: F841 - a frame variable Sentry would send
    gateway = {"server_key": "Mid-server-localvar0123456789", "order_id": "ORDER-77"}  # noqa: F841
    headers = {"Authorization": "Bearer header-in-local-var-0123"}  # noqa: F841
    logging.getLogger("billing.gateways").warning("calling Midtrans with token=crumb-token-55555")
    sentry_sdk.set_extra("webhook", {"signature_key": "extra-signature-abcdef", "verdict": "pending"})
    raise RuntimeError("the gateway refused ORDER-77")


urlpatterns = [
    path("pay/", pay),
    path("", include("modo.urls")),
]
