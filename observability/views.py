"""/metrics for Prometheus: open to METRICS_ALLOWED_IPS, or to `Authorization: Bearer <METRICS_TOKEN>`."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from .metrics import metrics_exposition

LOOPBACK = ["127.0.0.1", "::1"]
# Set by proxies: a request carrying one of these came through a proxy, so REMOTE_ADDR is the
# proxy's address, not the caller's.
_FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not (token_valid(request.headers.get("Authorization", "")) or address_allowed(_client_address(request))):
        return JsonResponse(refusal(), status=403)
    return HttpResponse(metrics_exposition(), content_type=CONTENT_TYPE_LATEST)


def refusal() -> dict:
    return {
        "error": gettext("Metrics are only served to allowed addresses or with the metrics token."),
        "code": "FORBIDDEN",
    }


def token_valid(authorization: str) -> bool:
    """`Authorization: Bearer <METRICS_TOKEN>`, compared in constant time."""
    expected = settings.METRICS_TOKEN
    scheme, _space, token = authorization.partition(" ")
    if not expected or scheme.lower() != "bearer" or not token:
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())


def allowed_networks() -> list:
    """METRICS_ALLOWED_IPS (addresses or CIDR networks); unset: loopback while DEBUG is on, else none."""
    configured = settings.METRICS_ALLOWED_IPS
    if configured is None:
        configured = LOOPBACK if settings.DEBUG else []
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in configured if entry.strip()]


def _client_address(request: HttpRequest) -> str | None:
    proxies = settings.ALLAUTH_TRUSTED_PROXY_COUNT  # TRUSTED_PROXY_COUNT, the one setting for this
    if proxies:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        return hops[-proxies] if len(hops) >= proxies else None
    if any(name in request.headers for name in _FORWARDING_HEADERS):
        return None  # an undeclared proxy: the address is the proxy's, so it proves nothing
    return request.META.get("REMOTE_ADDR")


def address_allowed(address: str | None) -> bool:
    networks = allowed_networks()
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
