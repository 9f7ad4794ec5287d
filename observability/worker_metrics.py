"""/metrics of a Celery worker's host, for workers on machines without a web process.

The web's /metrics sums the figures of every process of its own host (the multi-process
directory). A worker on another machine writes its figures to that machine's directory, which
no web process reads: with METRICS_WORKER_PORT set, the worker's main process serves
`GET /metrics` on that port (METRICS_WORKER_ADDRESS) itself, with the same figures and the same
gate as the web's: the bearer METRICS_TOKEN or an address in METRICS_ALLOWED_IPS. Nothing sits
in front of this port, so the caller's address is the connection's own (forwarding headers are
not believed). Any other path answers 404.
"""

import json
import logging
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from prometheus_client import CONTENT_TYPE_LATEST

from .metrics import metrics_exposition
from .views import address_allowed, refusal, token_valid

logger = logging.getLogger(__name__)


def application(environ, start_response):
    if environ.get("PATH_INFO") != "/metrics" or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Not found: this port serves GET /metrics only.\n"]
    if not (token_valid(environ.get("HTTP_AUTHORIZATION", "")) or address_allowed(environ.get("REMOTE_ADDR"))):
        start_response("403 Forbidden", [("Content-Type", "application/json")])
        return [json.dumps(refusal()).encode()]
    start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
    return [metrics_exposition()]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        """Scrapes come every few seconds: not one log line each."""


def serve(*, address: str, port: int) -> WSGIServer:
    """Serve `application` from a daemon thread; the server (its port: server.server_port)."""
    server = make_server(address, port, application, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    return server


def serve_when_worker_ready(sender=None, **kwargs) -> None:
    """Celery's worker_ready: after the pool has forked, so its children do not inherit the
    listening socket."""
    if not settings.METRICS_WORKER_PORT:
        return
    server = serve(address=settings.METRICS_WORKER_ADDRESS, port=settings.METRICS_WORKER_PORT)
    logger.info("worker metrics on %s:%s/metrics", settings.METRICS_WORKER_ADDRESS, server.server_port)
