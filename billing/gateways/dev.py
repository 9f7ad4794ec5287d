"""The embedded default's gateway: a local checkout page whose Pay and Fail buttons send a
Midtrans-format notification, signed with BILLING_DEV_SERVER_KEY, through the same webhook
code as Midtrans' own (billing.webhooks.midtrans). Never enabled in production.
"""

import json

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Order
from .base import CheckoutSession, Gateway, GatewayStatus
from .midtrans import midtrans_signature
from .midtrans_recurring import midtrans_subscription_name

OUTCOMES = {"pay": ("settlement", "200", "accept"), "fail": ("deny", "202", "deny")}


class DevGateway(Gateway):
    code = "dev"
    label = _("the dev gateway")

    def create_checkout(self, *, order: Order, payer_email: str, payer_name: str, finish_url: str) -> CheckoutSession:
        return CheckoutSession(
            redirect_url=reverse("billing-dev-checkout", kwargs={"order_id": order.order_id}),
            reference=f"dev-{order.order_id}",
        )

    def fetch_status(self, *, order: Order) -> GatewayStatus | None:
        return None  # nothing outside to ask: the page's buttons are the gateway


def dev_notification_body(*, order: Order, outcome: str) -> bytes:
    """The exact bytes Midtrans would POST for this outcome, correctly signed."""
    return json.dumps(_notification(order_id=order.order_id, amount=order.amount, outcome=outcome)).encode()


def dev_recurring_notification_body(*, subscription, outcome: str, unique: int) -> bytes:
    """What Midtrans POSTs for one charge of a recurring plan: a normal signed notification
    whose order_id is "SUBS-" + the subscription's name and a 10-digit unique number."""
    plan = subscription.next_plan or subscription.plan
    order_id = f"SUBS-{midtrans_subscription_name(subscription)}-{unique % 10**10:010d}"
    return json.dumps(_notification(order_id=order_id, amount=plan.price_idr, outcome=outcome)).encode()


def _notification(*, order_id: str, amount: int, outcome: str) -> dict:
    transaction_status, status_code, fraud_status = OUTCOMES[outcome]
    gross_amount = f"{amount}.00"
    return {
        "transaction_time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        "transaction_status": transaction_status,
        "transaction_id": f"dev-{order_id}",
        "status_message": "dev gateway notification",
        "status_code": status_code,
        "signature_key": midtrans_signature(
            order_id=order_id,
            status_code=status_code,
            gross_amount=gross_amount,
            server_key=settings.BILLING_DEV_SERVER_KEY,
        ),
        "payment_type": "dev",
        "order_id": order_id,
        "gross_amount": gross_amount,
        "fraud_status": fraud_status,
        "currency": "IDR",
    }
