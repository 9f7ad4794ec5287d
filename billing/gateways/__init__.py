"""The registry: gateway code -> adapter, holding only the gateways that are configured."""

from django.conf import settings

from .base import CheckoutSession, Gateway, GatewayError, GatewayStatus

__all__ = ["CheckoutSession", "Gateway", "GatewayError", "GatewayStatus", "gateway_get", "gateways_enabled"]


def gateways_enabled() -> dict[str, Gateway]:
    """Midtrans and Xendit when their keys are set; `dev` on the embedded default."""
    from .dev import DevGateway
    from .midtrans import MidtransGateway
    from .xendit import XenditGateway

    enabled: dict[str, Gateway] = {}
    if settings.MIDTRANS_SERVER_KEY:
        enabled["midtrans"] = MidtransGateway()
    if settings.XENDIT_SECRET_KEY:
        enabled["xendit"] = XenditGateway()
    if settings.BILLING_DEV_GATEWAY:
        enabled["dev"] = DevGateway()
    return enabled


def gateway_get(code: str) -> Gateway | None:
    return gateways_enabled().get(code)
