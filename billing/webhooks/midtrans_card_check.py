"""Midtrans notifications of a card check (order_id MODOCARD-…, services.card_check): signed
like any other (verified by the caller, billing.webhooks.midtrans). The status and the
`saved_token_id` are taken from Midtrans' status API, never from the notification alone, so a
forged or replayed body cannot turn auto-renewal on."""

import json
import logging

from django.utils.translation import gettext as _

from ..gateways import GatewayError
from ..gateways.midtrans import midtrans_gateway_status
from ..gateways.midtrans_card import card_check_status
from ..models import CardCheck, Order, WebhookEvent
from ..services.card_check import card_check_apply
from .receipt import WebhookAnswer, accepted, rejected, webhook_event_close, webhook_event_store

logger = logging.getLogger(__name__)
GATEWAY = "midtrans"


def midtrans_card_check_receive(*, payload: dict, signer: str, body: bytes, headers, reject) -> WebhookAnswer:
    if signer != Order.Gateway.MIDTRANS:  # only real Midtrans makes card checks
        return reject(401, "Unauthorized", "UNAUTHORIZED", f"card check signed by {signer}", payload)
    if not CardCheck.objects.filter(order_id=payload["order_id"][:50]).exists():
        return reject(404, _("Unknown order."), "NOT_FOUND", "unknown card check", payload)
    if "saved_token_id" in payload:  # the token lives only on the Midtrans subscription, not in our logs
        payload = {**payload, "saved_token_id": "[removed]"}
        body = json.dumps(payload).encode()  # so the stored body is the parsed one without it
    event = webhook_event_store(
        gateway=GATEWAY, body=body, headers=headers, payload=payload, external_status=payload["transaction_status"]
    )
    try:
        answer = card_check_status(payload["order_id"])
        if answer is None:
            webhook_event_close(event, verdict=WebhookEvent.Verdict.IGNORED, reason="status not_found")
            return accepted(event)
        state = midtrans_gateway_status(answer)
        applied = card_check_apply(
            order_id=payload["order_id"][:50],
            status=state.status,
            raw_status=state.raw_status,
            amount=state.amount,
            saved_token_id=str(answer.get("saved_token_id") or ""),
        )
    except GatewayError as exc:
        logger.warning("Midtrans card check %s: %s", payload["order_id"], exc)
        webhook_event_close(event, verdict=WebhookEvent.Verdict.RETRY, reason=f"gateway: {exc}")
        return rejected(503, _("Could not confirm the payment with Midtrans; please retry."), "GATEWAY_UNAVAILABLE")
    webhook_event_close(event, verdict=applied.verdict, reason=applied.reason)
    return accepted(event)
