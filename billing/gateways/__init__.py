"""The registry: gateway code -> adapter, holding only the gateways that are configured."""

from django.conf import settings

from .base import CheckoutSession, Gateway, GatewayError, GatewayStatus, Recurring, RecurringCharge

__all__ = [
    "CheckoutSession",
    "Gateway",
    "GatewayError",
    "GatewayStatus",
    "Recurring",
    "RecurringCharge",
    "gateway_get",
    "recurring_get",
    "gateways_enabled",
]


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


def recurring_get(code: str) -> Recurring | None:
    """The recurring payments of an enabled gateway, each in its own module; None when the
    gateway is off or cannot renew automatically."""
    from .dev_recurring import DevRecurring
    from .midtrans_recurring import MidtransRecurring
    from .xendit_recurring import XenditRecurring

    if code not in gateways_enabled():
        return None
    return {"midtrans": MidtransRecurring, "xendit": XenditRecurring, "dev": DevRecurring}[code]()
