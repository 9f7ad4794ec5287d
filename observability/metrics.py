"""Prometheus metrics: HTTP latency, generations, credits, webhook verdicts, the AI cache, and
(read from the broker at scrape time) the length of each Celery queue.

Recording is an increment in memory, or in multi-process mode a write to a memory-mapped
file: microseconds, never a query or a network call. Apps call the one-line functions at the
bottom of this module where the thing happens; /metrics (views.py) exposes them.

Multi-process mode (PROMETHEUS_MULTIPROC_DIR set): gunicorn workers and Celery workers each
write their own files in that directory and /metrics sums them, so a counter does not depend
on which process answered the scrape. Files are named after the host and the process id, so
several containers can share one directory; at start a process removes the files of dead
processes of its own host (their counts leave the sums, which Prometheus reads as a counter
reset). Without the directory every process keeps its own figures in the default registry.
"""

import logging
import os
import socket
import time
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

MULTIPROC_DIR = getattr(settings, "PROMETHEUS_MULTIPROC_DIR", "") or ""
_HOST = socket.gethostname().replace("_", "-")  # "_" separates the parts of the file names


def _process_identifier() -> str:
    return f"{_HOST}-{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def multiproc_dir_prepare(path: str) -> int:
    """Create the directory and remove the files of dead processes of this host; how many went."""
    Path(path).mkdir(parents=True, exist_ok=True)
    removed = 0
    for file in Path(path).glob("*.db"):
        identifier = file.stem.rsplit("_", 1)[-1]
        host, _dash, pid = identifier.rpartition("-")
        if host != _HOST or not pid.isdigit() or _pid_alive(int(pid)):
            continue
        with suppress(FileNotFoundError):  # another process starting at the same time took it
            file.unlink()
            removed += 1
    return removed


if MULTIPROC_DIR:
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", MULTIPROC_DIR)
    multiproc_dir_prepare(MULTIPROC_DIR)
    # Host + pid instead of pid alone: processes of several containers may share the directory.
    values.ValueClass = values.MultiProcessValue(_process_identifier)


# --- The metrics ----------------------------------------------------------------------

HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNMATCHED_ROUTE = "<unmatched>"  # 404s without a URL pattern: one label value, not one per path

HTTP_REQUEST_SECONDS = Histogram(
    "modo_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, URL pattern and status.",
    ["method", "route", "status"],
)
GENERATIONS = Counter(
    "modo_ai_generations",
    "Generation jobs finished, by kind, provider and outcome.",
    ["kind", "provider", "status"],
)
GENERATION_SECONDS = Histogram(
    "modo_ai_generation_duration_seconds",
    "Time from a generation job's creation to its end, by kind, provider and outcome.",
    ["kind", "provider", "status"],
    buckets=(0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, float("inf")),
)
CREDITS_CHARGED = Counter("modo_credits_charged", "Credits charged (committed charges), by feature.", ["feature"])
CREDITS_REFUNDED = Counter("modo_credits_refunded", "Credits refunded (committed refunds), by feature.", ["feature"])
WEBHOOK_DELIVERIES = Counter(
    "modo_webhook_deliveries", "Payment webhook deliveries, by gateway and verdict.", ["gateway", "verdict"]
)
AI_CACHE_LOOKUPS = Counter(
    "modo_ai_cache_lookups", "AI response cache lookups, by kind and result (hit or miss).", ["kind", "result"]
)


# --- What the apps call (one line each, where the thing happens) ----------------------


def http_request_observed(*, method: str, route: str | None, status: int, seconds: float) -> None:
    HTTP_REQUEST_SECONDS.labels(
        method if method in HTTP_METHODS else "OTHER", route or UNMATCHED_ROUTE, str(status)
    ).observe(seconds)


def generation_finished(*, kind: str, provider: str, status: str, since: datetime | None) -> None:
    """A job succeeded or failed, `since` its creation; counted when that commits (an outcome
    rolled back did not happen)."""
    seconds = max(0.0, (timezone.now() - since).total_seconds()) if since is not None else None

    def record():
        GENERATIONS.labels(kind, provider or "unknown", status).inc()
        if seconds is not None:
            GENERATION_SECONDS.labels(kind, provider or "unknown", status).observe(seconds)

    transaction.on_commit(record, robust=True)


def credits_charged(*, amount: int, feature: str) -> None:
    transaction.on_commit(lambda: CREDITS_CHARGED.labels(feature or "other").inc(amount), robust=True)


def credits_refunded(*, amount: int, feature: str) -> None:
    transaction.on_commit(lambda: CREDITS_REFUNDED.labels(feature or "other").inc(amount), robust=True)


def webhook_verdict(*, gateway: str, verdict: str) -> None:
    WEBHOOK_DELIVERIES.labels(gateway, verdict).inc()


def ai_cache_lookup(*, kind: str, hit: bool) -> None:
    AI_CACHE_LOOKUPS.labels(kind, "hit" if hit else "miss").inc()


# --- Queue depth, read at scrape time -------------------------------------------------

BROKER_TIMEOUT_SECONDS = 1.0


class QueueDepthCollector:
    """`modo_celery_queue_length{queue}`: messages waiting in each Celery queue, asked of the
    broker when Prometheus scrapes (Redis LLEN, or the files of the filesystem broker).
    Every broker call has a one-second timeout; `modo_celery_broker_up` says whether it answered."""

    def describe(self):
        return []  # keeps the registry from calling collect() (and the broker) at registration

    def collect(self):
        up = GaugeMetricFamily("modo_celery_broker_up", "1 if the broker answered the queue-length scrape.")
        lengths = GaugeMetricFamily("modo_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"])
        try:
            for queue, length in queue_lengths().items():
                lengths.add_metric([queue], length)
            up.add_metric([], 1)
        except Exception as error:  # noqa: BLE001 - a broker problem must not break the scrape
            logger.warning("metrics: queue lengths unavailable: %s", error)
            up.add_metric([], 0)
        yield up
        yield lengths


def queue_lengths() -> dict[str, int]:
    """{queue name: messages waiting} for each queue the Celery app declares."""
    from celery import current_app
    from kombu import Connection

    conf = current_app.conf
    names = [queue.name for queue in conf.task_queues or []] or [conf.task_default_queue]
    options = {
        **(conf.broker_transport_options or {}),
        "socket_timeout": BROKER_TIMEOUT_SECONDS,
        "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    }
    with Connection(conf.broker_url, transport_options=options, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        channel = conn.default_channel
        # kombu's per-transport size: LLEN of the queue's lists (all priorities) on Redis,
        # the message files of that queue on the filesystem broker.
        return {name: int(channel._size(name)) for name in names}


_queue_depth = QueueDepthCollector()
# Collectors that read a shared state when Prometheus scrapes (the queue lengths, and what
# apps add at start with scrape_collector_register, such as aigen's circuit breakers).
_scrape_collectors: list = [_queue_depth]
if not MULTIPROC_DIR:
    REGISTRY.register(_queue_depth)


def scrape_collector_register(collector) -> None:
    """Add a collector whose figures are read at scrape time (once per process)."""
    if any(type(known) is type(collector) for known in _scrape_collectors):
        return
    _scrape_collectors.append(collector)
    if not MULTIPROC_DIR:
        REGISTRY.register(collector)


def metrics_exposition() -> bytes:
    """The text exposition of every metric, summed over processes in multi-process mode."""
    if not MULTIPROC_DIR:
        return generate_latest(REGISTRY)
    for attempt in range(2):
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=MULTIPROC_DIR)
        for collector in _scrape_collectors:
            registry.register(collector)
        try:
            return generate_latest(registry)
        except FileNotFoundError:  # a starting process removed a dead one's file mid-read
            if attempt:
                raise
            time.sleep(0.01)
    raise AssertionError("unreachable")
