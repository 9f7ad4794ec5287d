import logging
import time

from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty

from . import metrics
from .context import HEADER, request_id_accept, request_id_bind, request_id_new

access_logger = logging.getLogger("modo.access")
# Probes and scrapes come every few seconds: they are measured, and logged only at DEBUG.
QUIET_ROUTES = {"healthz", "readyz", "metrics"}


class RequestObservabilityMiddleware:
    """First in MIDDLEWARE: a request id for every log line of the request, one access log
    line, and the latency histogram. Reads only what the request already resolved: the URL
    pattern, and the user and organization if something else loaded them (never a query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_accept(request.headers.get(HEADER)) or request_id_new()
        # Cleared on request_finished (apps.py), not here: Django logs a 4xx/5xx (django.request)
        # after the middleware returned, and that line should carry the id too.
        request_id_bind(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = request_id
        finish = getattr(response, "finish_on_event_loop", None)
        if finish is not None:  # the answer is completed later, on the event loop (core.asgi)
            response.finish_on_event_loop = self._recorded_after(finish, request, response, request_id, started)
            return response
        self._record(request, response, time.perf_counter() - started)
        return response

    def _recorded_after(self, finish, request, response, request_id, started):
        """`finish`, then the access log line and the latency of the answer the client got."""

        async def finish_recorded():
            try:
                await finish()
            finally:
                request_id_bind(request_id)  # the loop's context: request_finished cleared it
                self._record(request, response, time.perf_counter() - started)

        return finish_recorded

    def _record(self, request: HttpRequest, response: HttpResponse, seconds: float) -> None:
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else None
        metrics.http_request_observed(method=request.method, route=route, status=response.status_code, seconds=seconds)
        level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
        if not access_logger.isEnabledFor(level):
            return
        route = route or metrics.UNMATCHED_ROUTE
        duration_ms = round(seconds * 1000, 1)
        access_logger.log(
            level,
            "%s %s %s %sms",
            request.method,
            route,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "organization_id": _organization_id(request, response),
                "user_id": _user_id(request),
            },
        )


def _already_loaded(value):
    """The object behind a lazy attribute if something already loaded it; never loads it."""
    if isinstance(value, LazyObject):
        wrapped = value._wrapped
        return None if wrapped is empty else wrapped
    return value


def _user_id(request: HttpRequest) -> str | None:
    user = _already_loaded(getattr(request, "user", None))
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return str(user.pk)


def _organization_id(request: HttpRequest, response: HttpResponse) -> str | None:
    # API views resolve the membership themselves (accounts.api.base.OrganizationAPIView);
    # DRF hands the view back on the response. Pages use the lazy request.membership.
    view = (getattr(response, "renderer_context", None) or {}).get("view")
    membership = vars(view).get("membership") if view is not None else None
    if membership is None:
        membership = _already_loaded(getattr(request, "membership", None))
    organization_id = getattr(membership, "organization_id", None)
    return str(organization_id) if organization_id is not None else None
