"""`@idempotent`: the Idempotency-Key behaviour of DESIGN section 3 for a DRF view method.

    class GenerateStoryView(OrganizationAPIView):
        @idempotent
        def post(self, request): ...

Without the header the view runs as usual. With it: a replay answers the stored response
(with `Idempotent-Replayed: true`) without running the view; a 2xx/3xx response is stored
for replays; a 4xx/5xx response or an exception releases the key so the client can retry.
The key is scoped to the view's organization (OrganizationAPIView) or else to the user,
and to the method and path. Only DRF Responses (with `.data`) are stored.
"""

import functools
from collections.abc import Callable

from rest_framework.response import Response

from ..idempotency import idempotency_begin, idempotency_complete, idempotency_release

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


def idempotent(method: Callable | None = None, *, endpoint: str | None = None):
    """Decorate a view's handler (post); usable bare or as @idempotent(endpoint="ai.story")."""

    def decorator(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def wrapper(view, request, *args, **kwargs):
            key = request.headers.get(HEADER)
            if key is None:
                return handler(view, request, *args, **kwargs)
            membership = getattr(view, "membership", None)
            begun = idempotency_begin(
                organization=membership.organization if membership is not None else None,
                user=request.user if request.user.is_authenticated else None,
                key=key,
                endpoint=(endpoint or f"{request.method} {request.path}")[:200],
                body=request.data,
            )
            if begun.replay is not None:
                return Response(begun.replay.body, status=begun.replay.status, headers={REPLAYED_HEADER: "true"})
            try:
                response = handler(view, request, *args, **kwargs)
            except BaseException:
                idempotency_release(record=begun.record)
                raise
            if response.status_code < 400 and hasattr(response, "data"):
                idempotency_complete(record=begun.record, status=response.status_code, body=response.data)
            else:
                idempotency_release(record=begun.record)
            return response

        return wrapper

    return decorator(method) if method is not None else decorator
