"""Midtrans' GoPay account linking notification (GoPay Tokenization): it names an account_id
and carries no order_id or signature, so it is only a cue: the account's state is asked from
Midtrans' Get Pay Account (services.gopay_link), never taken from the body, so a forged or
replayed body can at most make MODO ask Midtrans again."""

import logging

from django.utils.translation import gettext as _

from ..gateways import GatewayError
from ..models import GopayLink, WebhookEvent
from ..services.gopay_link import gopay_link_apply
from .receipt import WebhookAnswer, accepted, rejected, webhook_event_close, webhook_event_store

logger = logging.getLogger(__name__)
GATEWAY = "midtrans"


def midtrans_gopay_link_receive(*, payload: dict, body: bytes, headers, reject) -> WebhookAnswer:
    account_id = payload.get("account_id")
    if not isinstance(account_id, str) or not account_id.isprintable() or len(account_id) > 64:
        return reject(
            400,
            _("Missing or malformed fields: %(fields)s.") % {"fields": "account_id"},
            "VALIDATION_ERROR",
            "bad account_id",
            payload,
        )
    if not GopayLink.objects.filter(account_id=account_id).exists():
        return reject(404, _("Unknown account."), "NOT_FOUND", "unknown GoPay account", payload)
    event = webhook_event_store(
        gateway=GATEWAY,
        body=body,
        headers=headers,
        payload=payload,
        external_status=str(payload.get("account_status") or "")[:40],
    )
    try:
        applied = gopay_link_apply(account_id=account_id)
    except GatewayError as exc:
        logger.warning("Midtrans GoPay account %s: %s", account_id, exc)
        webhook_event_close(event, verdict=WebhookEvent.Verdict.RETRY, reason=f"gateway: {exc}")
        return rejected(503, _("Could not confirm the account with Midtrans; please retry."), "GATEWAY_UNAVAILABLE")
    webhook_event_close(event, verdict=applied.verdict, reason=applied.reason)
    return accepted(event)
