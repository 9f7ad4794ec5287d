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
