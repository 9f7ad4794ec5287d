"""The request id: one id per HTTP request (or task), in a contextvar, on every log line.

It comes from the caller's `X-Request-ID` header when that looks like an id (a load
balancer or another service set it), or is made here; it goes back in the response header
and travels with any Celery task queued during the request (see task_context).
"""

import re
import uuid
from contextvars import ContextVar, Token

HEADER = "X-Request-ID"
# Letters, digits and the punctuation of common id formats (UUIDs, AWS/GCP trace ids);
# nothing that could break a log line or a header.
_SANE = re.compile(r"[A-Za-z0-9._:=+/@-]{8,128}")

_request_id: ContextVar[str | None] = ContextVar("modo_request_id", default=None)


def request_id_get() -> str | None:
    return _request_id.get()


def request_id_bind(value: str) -> Token:
    """Make `value` the current request id; pass the token to request_id_reset afterwards."""
    return _request_id.set(value)


def request_id_reset(token: Token) -> None:
    _request_id.reset(token)


def request_id_clear(**kwargs) -> None:
    """No current request id (a request_finished receiver: the thread serves the next one)."""
    _request_id.set(None)


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_accept(candidate: object) -> str | None:
    """A caller's id if it is sane (8-128 characters of the allowed set), else None."""
    if isinstance(candidate, str) and _SANE.fullmatch(candidate):
        return candidate
    return None
