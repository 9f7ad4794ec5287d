"""What every webhook shares: storing the delivery, and the answer."""

from dataclasses import dataclass, field

from django.utils import timezone

from core.api import error_body
from core.storable import storable
from observability import metrics

from ..models import Order, WebhookEvent

MAX_STORED_BODY = 64 * 1024
_SECRET_HEADERS = {"authorization", "cookie", "x-callback-token"}


@dataclass
class WebhookAnswer:
    status: int
    body: dict = field(default_factory=dict)


def headers_to_store(headers) -> dict:
    stored = {}
    for name, value in headers.items():
        lower = name.lower()
        stored[lower] = "<present>" if lower in _SECRET_HEADERS else str(value)[:500]
    return stored


def webhook_event_store(
    *,
    gateway: str,
    body: bytes,
    headers: dict,
    payload: object = None,
    verdict: str = WebhookEvent.Verdict.RECEIVED,
    reason: str = "",
    order: Order | None = None,
    external_status: str = "",
) -> WebhookEvent:
    now = timezone.now()
    # Whatever arrived is stored, even what PostgreSQL refuses as it is (NUL, Infinity ...).
    return WebhookEvent.objects.create(
        gateway=gateway,
        body=storable(body[:MAX_STORED_BODY].decode("utf-8", errors="replace")),
        payload=storable(payload) if isinstance(payload, dict | list) else None,
        headers=storable(headers_to_store(headers)),
        verdict=verdict,
        reason=storable(reason[:255]),
        order=order,
        external_status=storable(external_status[:40]),
        received_at=now,
        processed_at=None if verdict == WebhookEvent.Verdict.RECEIVED else now,
    )


def webhook_event_close(event: WebhookEvent, *, verdict: str, reason: str = "", order: Order | None = None) -> None:
    event.verdict = verdict
    event.reason = storable(reason[:255])
    if order is not None:
        event.order = order
    event.processed_at = timezone.now()
    event.save(update_fields=["verdict", "reason", "order", "processed_at"])
    metrics.webhook_verdict(gateway=event.gateway, verdict=verdict)


def rejected(status: int, message: str, code: str, **extra) -> WebhookAnswer:
    return WebhookAnswer(status=status, body=error_body(message, code, **extra))


def accepted(event: WebhookEvent) -> WebhookAnswer:
    return WebhookAnswer(status=200, body={"received": True, "verdict": event.verdict})


def rejecter(*, gateway: str, body: bytes, headers, status_field: str):
    """A `reject(...)` for one delivery: stores it as rejected (with the gateway's status) and answers."""

    def reject(status: int, message: str, code: str, reason: str, payload=None, order=None) -> WebhookAnswer:
        webhook_event_store(
            gateway=gateway,
            body=body,
            headers=headers,
            payload=payload,
            verdict=WebhookEvent.Verdict.REJECTED,
            reason=reason,
            order=order,
            external_status=str(payload.get(status_field, ""))[:40] if isinstance(payload, dict) else "",
        )
        metrics.webhook_verdict(gateway=gateway, verdict=WebhookEvent.Verdict.REJECTED)
        return rejected(status, message, code)

    return reject
