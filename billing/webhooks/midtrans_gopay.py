"""Midtrans' Pay Account notification (GoPay Tokenization): sent when the customer links the
account, and when it is unlinked (by MODO, or by the customer in the Gojek/GoPay app). It names
an account_id and no order_id, and is signed with sha512(account_id + account_status +
status_code + server_key): a missing or wrong signature is a 401. Even signed it is only a
cue: the account's state is asked from Midtrans' Get Pay Account (services.gopay_link), never
taken from the body, so a replayed or out-of-order body can at most make MODO ask again."""

import logging

from django.conf import settings
from django.utils.translation import gettext as _

from ..gateways import GatewayError
from ..gateways.midtrans_gopay import pay_account_signature_valid
from ..models import GopayLink, WebhookEvent
from ..services.gopay_unlinked import gopay_notification_apply
from .receipt import (
    WebhookAnswer,
    accepted,
    missing_fields_rejected,
    rejected,
    webhook_event_close,
    webhook_event_store,
)

logger = logging.getLogger(__name__)
GATEWAY = "midtrans"
REQUIRED = ("account_id", "account_status", "status_code", "signature_key")


def midtrans_gopay_link_receive(*, payload: dict, body: bytes, headers, reject) -> WebhookAnswer:
    missing = [
        name
        for name in REQUIRED
        if not (isinstance(payload.get(name), str) and payload[name] and payload[name].isprintable())
    ]
    if missing or len(payload["account_id"]) > 64:
        return missing_fields_rejected(reject, missing or ["account_id"], payload)
    if not pay_account_signature_valid(payload=payload, server_key=settings.MIDTRANS_SERVER_KEY):
        return reject(401, "Unauthorized", "UNAUTHORIZED", "invalid signature", payload)
    account_id = payload["account_id"]
    if not GopayLink.objects.filter(account_id=account_id).exists():
        return reject(404, _("Unknown account."), "NOT_FOUND", "unknown GoPay account", payload)
    event = webhook_event_store(
        gateway=GATEWAY, body=body, headers=headers, payload=payload, external_status=payload["account_status"][:40]
    )
    try:
        applied = gopay_notification_apply(account_id=account_id)
    except GatewayError as exc:
        logger.warning("Midtrans GoPay account %s: %s", account_id, exc)
        webhook_event_close(event, verdict=WebhookEvent.Verdict.RETRY, reason=f"gateway: {exc}")
        return rejected(503, _("Could not confirm the account with Midtrans; please retry."), "GATEWAY_UNAVAILABLE")
    webhook_event_close(event, verdict=applied.verdict, reason=applied.reason)
    return accepted(event)
