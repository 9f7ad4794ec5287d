"""The production web server (the Dockerfile's CMD, docker-compose's web, `make run`):
gunicorn managing uvicorn workers that serve Django's ASGI application.

Why ASGI: a request that waits for a provider (a story within AI_STORY_WAIT_SECONDS, an SSE
stream of a job) is a coroutine waiting on Redis, not a thread or a process; one worker holds
hundreds of them. Each request's synchronous part (middleware and view, a few milliseconds) runs
in one go on the worker's WEB_THREADS threads (core.asgi). Sizing (README "Sizing"): one worker
per core; the workers never block on a provider, so more per core only adds memory.

Every value comes from the environment, with these defaults.
"""

import multiprocessing
import os
from collections import Counter

bind = os.environ.get("WEB_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count()))
worker_class = os.environ.get("WEB_WORKER_CLASS", "uvicorn_worker.UvicornWorker")
# Connections waiting for their turn in the kernel's accept queue (a burst of users at once).
backlog = int(os.environ.get("WEB_BACKLOG", "2048"))
# A worker that does not answer gunicorn's heartbeat for this long is restarted. An async worker
# never blocks on a provider, so only a real hang trips it: never a story that takes long.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
# On SIGTERM (a deploy) workers stop accepting and get this long to finish what they serve.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# Recycling a worker after N requests is off (0): a recycled worker closes its idle keep-alive
# connections, and a request that crosses the close is reset without an answer (bench/generate.py
# lost 8 of ~30,000 requests at 20,000 per worker). Set it only against a measured leak
# (bench/load.py: the web worker held 237 MB after sign-ins, 247 MB after 250 users for a minute).
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("WEB_MAX_REQUESTS_JITTER", "0"))
# No access log: the app logs one line per request with its request id (observability).
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
# Behind a TLS-terminating proxy (X-Forwarded-Proto); the proxy's address only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Under Django's own ASGI handler each request ran in a thread of its own, so a connection kept
# per thread (CONN_MAX_AGE) was never reused and stayed open after its thread ended: 250 studio
# users ran PostgreSQL out of connections ("too many clients", 500s). The web server's processes
# borrow from a psycopg pool of their own (modo/settings/database.py), a little larger than
# WEB_THREADS (core.asgi) so that a request thread never waits for a connection.
os.environ.setdefault("DATABASE_POOL_MAX_SIZE", "10")


# WEB_PIN_CPUS=true: each worker on a CPU of its own (Linux), as evenly as the master's CPUs
# allow. A worker's event loop and request threads take turns on one interpreter lock; on one
# core they hand it over without waking another CPU (on a virtual machine, an interrupt between
# virtual CPUs). Measured on 2 cores (bench/README.md, "One web worker per CPU"): 6-27 % more
# stories per second, 11-26 % less web CPU per story. Off by default: only where the web server
# has the machine's CPUs to itself or shares them with the rest of its own set (docker-compose's
# web turns it on); several single-worker servers on one host would all pin to the first CPU.
pin_cpus = os.environ.get("WEB_PIN_CPUS", "false").strip().lower() in ("1", "true", "yes", "on")


def pre_fork(server, worker):
    """The CPU the new worker will run on: the one fewest live workers have (a restarted worker
    takes its predecessor's)."""
    if not pin_cpus or not hasattr(os, "sched_setaffinity"):
        return
    in_use = Counter(getattr(live, "cpu", None) for live in server.WORKERS.values())
    worker.cpu = min(sorted(os.sched_getaffinity(0)), key=lambda cpu: in_use[cpu])


def post_fork(server, worker):
    cpu = getattr(worker, "cpu", None)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
