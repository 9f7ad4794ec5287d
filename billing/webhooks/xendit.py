"""Xendit invoice callbacks: the `x-callback-token` header must equal XENDIT_CALLBACK_TOKEN
(constant-time compare). Xendit sends no event id: we deduplicate on the invoice, i.e. on
`external_id` (our order_id), by moving the order forward only."""

import hmac
import json

from django.conf import settings
from django.utils.translation import gettext as _

from ..gateways.xendit import xendit_status_map
from ..models import Order, WebhookEvent
from ..services.fulfilment import AmountMismatch, amount_idr_parse, order_status_apply
from .receipt import (
    WebhookAnswer,
    accepted,
    missing_fields_rejected,
    rejected,
    rejecter,
    webhook_event_close,
    webhook_event_store,
)
from .xendit_recurring import xendit_recurring_receive

GATEWAY = "xendit"


def xendit_token_valid(token: str | None) -> bool:
    expected = settings.XENDIT_CALLBACK_TOKEN
    if not expected or not token:
        return False
    return hmac.compare_digest(expected.encode(), token.encode())


def xendit_callback_receive(*, body: bytes, headers, source: str) -> WebhookAnswer:
    reject = rejecter(gateway=GATEWAY, body=body, headers=headers, source=source, status_field="status")

    if not xendit_token_valid(headers.get("x-callback-token")):
        return reject(401, "Unauthorized", "UNAUTHORIZED", "missing or wrong x-callback-token")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return reject(400, _("The body is not valid JSON."), "VALIDATION_ERROR", "not JSON")
    if not isinstance(payload, dict):
        return reject(400, _("The body must be a JSON object."), "VALIDATION_ERROR", "not a JSON object", payload)
    if isinstance(payload.get("event"), str) and payload["event"].startswith("recurring."):
        return xendit_recurring_receive(payload=payload, body=body, headers=headers, reject=reject)
    # Unprintable text (NUL, a lone surrogate) is malformed: PostgreSQL could not even look it up.
    missing = [
        name
        for name in ("external_id", "status")
        if not (isinstance(payload.get(name), str) and payload[name].isprintable())
    ]
    if missing:
        return missing_fields_rejected(reject, missing, payload)
    amount = payload.get("amount")
    if amount_idr_parse(amount) is None:
        return reject(
            400, _("amount must be a non-negative whole number of rupiah."), "VALIDATION_ERROR", "bad amount", payload
        )
    order = Order.objects.filter(order_id=payload["external_id"][:50], gateway=Order.Gateway.XENDIT).first()
    if order is None:
        return reject(404, _("Unknown order."), "NOT_FOUND", "unknown order", payload)

    event = webhook_event_store(
        gateway=GATEWAY, body=body, headers=headers, payload=payload, order=order, external_status=payload["status"]
    )
    status = xendit_status_map(payload["status"])
    if status is None:
        webhook_event_close(event, verdict=WebhookEvent.Verdict.IGNORED, reason=f"status {payload['status']}")
        return accepted(event)
    try:
        applied = order_status_apply(
            order_id=order.order_id, status=status, raw_status=payload["status"], amount=amount, source=GATEWAY
        )
    except AmountMismatch as exc:
        webhook_event_close(event, verdict=WebhookEvent.Verdict.REJECTED, reason="amount mismatch")
        return rejected(400, exc.message, exc.code)
    if applied.verdict == WebhookEvent.Verdict.PROCESSED and isinstance(payload.get("id"), str):
        Order.objects.filter(pk=order.pk, gateway_reference="").update(gateway_reference=payload["id"][:100])
    webhook_event_close(event, verdict=applied.verdict, reason=applied.reason)
    return accepted(event)
