"""Midtrans HTTP notifications (and the dev gateway's, which are the same format).

The Saleor recipe, stricter: parse -> verify the signature (401 if wrong) -> store the
delivery -> re-check with Midtrans' status API when Midtrans keys are configured -> lock
the order and move it forward only (services.order_status_apply) -> answer fast.
"""

import json
import logging

from django.conf import settings
from django.utils.translation import gettext as _

from ..gateways import GatewayError
from ..gateways.midtrans import MidtransGateway, midtrans_gateway_status, midtrans_signature_valid
from ..gateways.midtrans_card import CARD_CHECK_PREFIX
from ..models import Order, WebhookEvent
from ..services.fulfilment import AmountMismatch, amount_idr_parse, order_status_apply
from .midtrans_card_check import midtrans_card_check_receive
from .midtrans_gopay import midtrans_gopay_link_receive
from .midtrans_recurring import SUBSCRIPTION_ORDER_PREFIX, midtrans_recurring_receive
from .receipt import (
    WebhookAnswer,
    accepted,
    missing_fields_rejected,
    rejected,
    rejecter,
    webhook_event_close,
    webhook_event_store,
)

logger = logging.getLogger(__name__)
GATEWAY = "midtrans"
REQUIRED = ("order_id", "status_code", "gross_amount", "signature_key", "transaction_status")


def _signing_gateway(payload: dict) -> str | None:
    """Which configured key signed it: "midtrans" (the real server key) or "dev"."""
    if settings.MIDTRANS_SERVER_KEY and midtrans_signature_valid(
        payload=payload, server_key=settings.MIDTRANS_SERVER_KEY
    ):
        return Order.Gateway.MIDTRANS
    if settings.BILLING_DEV_GATEWAY and midtrans_signature_valid(
        payload=payload, server_key=settings.BILLING_DEV_SERVER_KEY
    ):
        return Order.Gateway.DEV
    return None


def _amount_to_check(order: Order, *, notified: str, confirmed: int | None):
    """Both the notification's amount and the status API's must match the order: the one
    that does not (the notification's first) is what order_status_apply refuses and flags."""
    if confirmed is None or amount_idr_parse(notified) != order.amount:
        return notified
    return confirmed


def midtrans_notification_receive(*, body: bytes, headers: dict, source: str) -> WebhookAnswer:
    reject = rejecter(gateway=GATEWAY, body=body, headers=headers, source=source, status_field="transaction_status")

    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return reject(400, _("The body is not valid JSON."), "VALIDATION_ERROR", "not JSON")
    if not isinstance(payload, dict):
        return reject(400, _("The body must be a JSON object."), "VALIDATION_ERROR", "not a JSON object", payload)
    if "account_id" in payload and "order_id" not in payload:  # a GoPay account linking notification
        return midtrans_gopay_link_receive(payload=payload, body=body, headers=headers, reject=reject)
    # Unprintable text (NUL, a lone surrogate) is malformed: PostgreSQL could not even look it up.
    missing = [
        name
        for name in REQUIRED
        if not (isinstance(payload.get(name), str) and payload[name] and payload[name].isprintable())
    ]
    if missing:
        return missing_fields_rejected(reject, missing, payload)
    signer = _signing_gateway(payload)
    if signer is None:
        return reject(401, "Unauthorized", "UNAUTHORIZED", "invalid signature", payload)
    if amount_idr_parse(payload["gross_amount"]) is None:
        return reject(
            400,
            _("gross_amount must be a non-negative whole number of rupiah."),
            "VALIDATION_ERROR",
            "bad gross_amount",
            payload,
        )
    if payload["order_id"].startswith(SUBSCRIPTION_ORDER_PREFIX):  # a charge of a recurring plan
        return midtrans_recurring_receive(payload=payload, signer=signer, body=body, headers=headers, reject=reject)
    if payload["order_id"].startswith(CARD_CHECK_PREFIX):  # the charge that saves a card for auto-renewal
        return midtrans_card_check_receive(payload=payload, signer=signer, body=body, headers=headers, reject=reject)
    order = Order.objects.filter(order_id=payload["order_id"][:50]).first()
    if order is None:
        return reject(404, _("Unknown order."), "NOT_FOUND", "unknown order", payload)
    if order.gateway != signer:
        reason = f"signed by {signer}, order is {order.gateway}"
        return reject(401, "Unauthorized", "UNAUTHORIZED", reason, payload, order)

    event = webhook_event_store(
        gateway=GATEWAY,
        body=body,
        headers=headers,
        payload=payload,
        order=order,
        external_status=payload["transaction_status"],
    )
    if signer == Order.Gateway.MIDTRANS:
        # Trust Midtrans' own answer over the notification's (a replayed old one, for example).
        try:
            state = MidtransGateway().fetch_status(order=order)
        except GatewayError as exc:
            logger.warning("Midtrans status check for %s failed: %s", order.order_id, exc)
            webhook_event_close(event, verdict=WebhookEvent.Verdict.RETRY, reason=f"status API: {exc}")
            return rejected(503, _("Could not confirm the payment with Midtrans; please retry."), "GATEWAY_UNAVAILABLE")
    else:
        state = midtrans_gateway_status(payload)
    if state is None or state.status is None:
        logger.info("Midtrans notification for %s changes nothing: %s", order.order_id, state)
        webhook_event_close(event, verdict=WebhookEvent.Verdict.IGNORED, reason=f"status {state and state.raw_status}")
        return accepted(event)
    try:
        applied = order_status_apply(
            order_id=order.order_id,
            status=state.status,
            raw_status=state.raw_status,
            amount=_amount_to_check(order, notified=payload["gross_amount"], confirmed=state.amount),
            source=GATEWAY if signer == Order.Gateway.MIDTRANS else "dev",
        )
    except AmountMismatch as exc:
        webhook_event_close(event, verdict=WebhookEvent.Verdict.REJECTED, reason="amount mismatch")
        return rejected(400, exc.message, exc.code)
    webhook_event_close(event, verdict=applied.verdict, reason=applied.reason)
    return accepted(event)
