"""Idempotency for the AI POST endpoints (DESIGN section 3), as services.

Same key and same body within CREDIT_IDEMPOTENCY_TTL_HOURS -> the first response again,
nothing charged twice; same key, different body -> 422 IDEMPOTENCY_KEY_REUSED; same key
while the first request still runs -> 409 IDEMPOTENCY_IN_PROGRESS. A request that fails
(4xx/5xx or an exception) releases its key, so the client may retry with it.

Call `idempotency_begin` outside any transaction.atomic (it commits its claim at once, so
a simultaneous request sees it); credits.api.idempotency.idempotent wraps all of this for
a DRF view.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core.errors import ValidationFailed

from .errors import IdempotencyInProgress, IdempotencyKeyReused
from .models import IdempotencyRecord

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any


@dataclass(frozen=True)
class IdempotencyBegin:
    """`replay` is set when the first request's response is to be answered again; otherwise
    this request holds `record` and must end it with idempotency_complete or _release."""

    record: IdempotencyRecord
    replay: StoredResponse | None


def request_fingerprint(body: Any) -> str:
    """sha256 of the body as canonical JSON: key order and whitespace do not matter."""
    if hasattr(body, "lists"):  # a QueryDict
        body = dict(body.lists())
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_begin(
    *, organization: Organization | None, user: User | None, key: str, endpoint: str, body: Any
) -> IdempotencyBegin:
    """Claim `key` for this request, or answer with what the first request with it did.

    The unique constraint decides between simultaneous first requests: one INSERT wins, the
    other gets an IntegrityError and then reads the winner's row (409 while it runs).
    A record past its expiry, or still in progress after CREDIT_IDEMPOTENCY_STALE_SECONDS
    (its process died), is taken over by one conditional UPDATE.
    """
    _require_key(key)
    if organization is None and user is None:
        raise ValueError("An idempotency key needs an organization or a user to belong to.")
    fingerprint = request_fingerprint(body)
    scope = {"organization": organization} if organization is not None else {"organization": None, "user": user}
    ttl = timedelta(hours=settings.CREDIT_IDEMPOTENCY_TTL_HOURS)
    stale_after = timedelta(seconds=settings.CREDIT_IDEMPOTENCY_STALE_SECONDS)

    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    organization=organization,
                    user=user,
                    key=key,
                    endpoint=endpoint,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + ttl,
                )
            return IdempotencyBegin(record=record, replay=None)
        except IntegrityError:
            pass

        existing = IdempotencyRecord.objects.filter(**scope, endpoint=endpoint, key=key).first()
        if existing is None:
            continue  # purged between our INSERT and this read: claim it again
        abandoned = existing.status == IdempotencyRecord.Status.IN_PROGRESS and existing.created_at <= now - stale_after
        if existing.expires_at <= now or abandoned:
            taken = IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).update(
                user=user,
                fingerprint=fingerprint,
                status=IdempotencyRecord.Status.IN_PROGRESS,
                response_status=None,
                response_body=None,
                created_at=now,
                expires_at=now + ttl,
            )
            if taken:
                existing.refresh_from_db()
                return IdempotencyBegin(record=existing, replay=None)
            continue  # another request took it over first: look again
        if existing.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                _("This Idempotency-Key was already used with a different request. Use a new key.")
            )
        if existing.status == IdempotencyRecord.Status.IN_PROGRESS:
            raise IdempotencyInProgress(_("A request with this Idempotency-Key is still running. Try again shortly."))
        return IdempotencyBegin(
            record=existing, replay=StoredResponse(status=existing.response_status, body=existing.response_body)
        )
    raise IdempotencyInProgress(_("A request with this Idempotency-Key is still running. Try again shortly."))


def idempotency_complete(*, record: IdempotencyRecord, status: int, body: Any) -> None:
    """Store the response a replay will answer with. Only the claim's holder can complete it."""
    IdempotencyRecord.objects.filter(
        pk=record.pk, created_at=record.created_at, status=IdempotencyRecord.Status.IN_PROGRESS
    ).update(status=IdempotencyRecord.Status.COMPLETED, response_status=status, response_body=body)


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Forget a claim whose request failed, so the client can retry with the same key."""
    IdempotencyRecord.objects.filter(
        pk=record.pk, created_at=record.created_at, status=IdempotencyRecord.Status.IN_PROGRESS
    ).delete()


def idempotency_purge_expired() -> int:
    """Delete records past their expiry; returns how many. A daily beat task calls it."""
    deleted, _rows = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def _require_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            _("The Idempotency-Key header must be 1 to %(max)d printable ASCII characters.") % {"max": MAX_KEY_LENGTH},
            fields={"Idempotency-Key": [_("Not a valid key.")]},
        )
