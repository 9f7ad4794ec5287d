"""A memo for one request: what several parts of a request read, read once.

One story request asks for its organization's subscription state three times (admission, the
trial check, the tier), each time a Redis round trip and an unpickling. Inside a request
(RequestMemoMiddleware) the first answer is kept until the request ends; outside one (a Celery
task, a shell, a test calling a selector) every call computes afresh. A writer that changes
what a key names calls `memo_forget` (billing.services.subscription_changed).
"""

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("request_memo", default=None)


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def memo_forget(key: Hashable) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)


class RequestMemoMiddleware:
    """Each request gets an empty memo, dropped when its answer is made (a streamed body reads
    afresh)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
