"""Midtrans Subscriptions API charges: signed notifications like any other (verified by the
caller, billing.webhooks.midtrans) whose order_id starts with SUBS- and carries the name we
gave the subscription (gateways.midtrans_recurring). Each charge becomes one renewal order
(services.renewal)."""

import logging

from django.utils.translation import gettext as _

from ..gateways import GatewayError
from ..gateways.base import RecurringCharge
from ..gateways.midtrans import MidtransGateway, midtrans_gateway_status
from ..gateways.midtrans_recurring import midtrans_subscription_id_from_order_id
from ..models import Order, WebhookEvent
from .receipt import WebhookAnswer, accepted, rejected, webhook_event_close, webhook_event_store
from .recurring_charge import recurring_charge_answer

logger = logging.getLogger(__name__)
GATEWAY = "midtrans"
SUBSCRIPTION_ORDER_PREFIX = "SUBS-"


class _ChargeOrder:
    """Just enough of an order for the status API call (it needs the order_id)."""

    def __init__(self, order_id: str):
        self.order_id = order_id


def midtrans_recurring_receive(*, payload: dict, signer: str, body: bytes, headers, reject) -> WebhookAnswer:
    subscription_id = midtrans_subscription_id_from_order_id(payload["order_id"])
    if subscription_id is None:  # signed, but a charge of a subscription MODO did not name
        return reject(404, _("Unknown subscription."), "NOT_FOUND", "no MODO subscription in order_id", payload)
    event = webhook_event_store(
        gateway=GATEWAY, body=body, headers=headers, payload=payload, external_status=payload["transaction_status"]
    )
    if signer == Order.Gateway.MIDTRANS:
        try:
            state = MidtransGateway().fetch_status(order=_ChargeOrder(payload["order_id"]))
        except GatewayError as exc:
            logger.warning("Midtrans status check for %s failed: %s", payload["order_id"], exc)
            webhook_event_close(event, verdict=WebhookEvent.Verdict.RETRY, reason=f"status API: {exc}")
            return rejected(503, _("Could not confirm the payment with Midtrans; please retry."), "GATEWAY_UNAVAILABLE")
    else:
        state = midtrans_gateway_status(payload)
    if state is None or state.status is None:
        webhook_event_close(event, verdict=WebhookEvent.Verdict.IGNORED, reason=f"status {state and state.raw_status}")
        return accepted(event)
    charge = RecurringCharge(
        gateway=signer,
        reference="",
        subscription_id=subscription_id,
        charge_id=payload["order_id"][:50],
        status=state.status,
        raw_status=state.raw_status,
        amount=state.amount if state.amount is not None else payload["gross_amount"],
    )
    return recurring_charge_answer(event, charge)
