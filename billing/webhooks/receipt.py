"""What every webhook shares: storing the delivery, and the answer.

A webhook URL is public, so a rejected delivery (a wrong signature, a malformed body) may be
anyone's: those are stored cut to WEBHOOK_REJECTED_BODY_BYTES, counted per gateway and
source address, and past WEBHOOK_REJECTED_PER_WINDOW in WEBHOOK_REJECTED_WINDOW_SECONDS
answered 429 without being stored. Beat deletes them after WEBHOOK_REJECTED_RETENTION_DAYS.
"""

import json
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api import error_body
from core.storable import storable
from observability import metrics

from ..models import Order, WebhookEvent

MAX_STORED_BODY = 64 * 1024
_SECRET_HEADERS = {"authorization", "cookie", "x-callback-token"}
# A rejected delivery keeps this many headers, each cut to this many characters.
_REJECTED_HEADERS = 30
_REJECTED_HEADER_LENGTH = 200


@dataclass
class WebhookAnswer:
    status: int
    body: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)


def headers_to_store(headers, *, limit: int | None = None, length: int = 500) -> dict:
    stored = {}
    for name, value in list(headers.items())[:limit]:
        lower = name.lower()
        stored[lower] = "<present>" if lower in _SECRET_HEADERS else str(value)[:length]
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
    rejected = verdict == WebhookEvent.Verdict.REJECTED
    max_body = settings.WEBHOOK_REJECTED_BODY_BYTES if rejected else MAX_STORED_BODY
    if not isinstance(payload, dict | list) or (rejected and len(json.dumps(payload, default=str)) > max_body):
        payload = None  # a rejected payload too large to keep whole is in the cut body
    stored_headers = (
        headers_to_store(headers, limit=_REJECTED_HEADERS, length=_REJECTED_HEADER_LENGTH)
        if rejected
        else headers_to_store(headers)
    )
    # Whatever arrived is stored, even what PostgreSQL refuses as it is (NUL, Infinity ...).
    return WebhookEvent.objects.create(
        gateway=gateway,
        body=storable(body[:max_body].decode("utf-8", errors="replace")),
        payload=storable(payload) if payload is not None else None,
        headers=storable(stored_headers),
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


def delivery_source(request) -> str:
    """The sender's address as allauth reads it (TRUSTED_PROXY_COUNT): rejections count per address."""
    try:
        return get_adapter(request).get_client_ip(request) or "unknown"
    except PermissionDenied:  # behind an undeclared proxy: all such senders share one allowance
        return "unknown"


def rejection_counted(*, gateway: str, source: str) -> bool:
    """Count one rejected delivery from `source`; False once it is past its allowance."""
    window = settings.WEBHOOK_REJECTED_WINDOW_SECONDS
    key = f"webhook-rejected:{gateway}:{source}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= settings.WEBHOOK_REJECTED_PER_WINDOW


def rejected_webhook_events_purge(*, now=None) -> int:
    """Delete rejected deliveries older than WEBHOOK_REJECTED_RETENTION_DAYS; the number deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_REJECTED_RETENTION_DAYS)
    deleted, _details = WebhookEvent.objects.filter(
        verdict=WebhookEvent.Verdict.REJECTED, received_at__lt=cutoff
    ).delete()
    return deleted


def missing_fields_rejected(reject, missing: list[str], payload) -> WebhookAnswer:
    """400 naming the fields a delivery lacks (or carries malformed); stored as rejected."""
    return reject(
        400,
        _("Missing or malformed fields: %(fields)s.") % {"fields": ", ".join(missing)},
        "VALIDATION_ERROR",
        f"missing {', '.join(missing)}",
        payload,
    )


def rejecter(*, gateway: str, body: bytes, headers, status_field: str, source: str):
    """A `reject(...)` for one delivery: stores it as rejected (with the gateway's status) and
    answers; past the source's allowance of rejections it answers 429 and stores nothing."""

    def reject(status: int, message: str, code: str, reason: str, payload=None, order=None) -> WebhookAnswer:
        if not rejection_counted(gateway=gateway, source=source):
            metrics.webhook_verdict(gateway=gateway, verdict="throttled")
            window = settings.WEBHOOK_REJECTED_WINDOW_SECONDS
            answer = rejected(
                429, _("Too many rejected deliveries; try again later."), "RATE_LIMITED", retryAfter=window
            )
            answer.headers["Retry-After"] = str(window)
            return answer
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
