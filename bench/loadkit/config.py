"""The load benchmark's settings (BENCH_* environment variables), CPU placement and targets."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modo_bench_load")
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
USERS = int(os.environ.get("BENCH_USERS", "1000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "90"))
RAMP_SECONDS = float(os.environ.get("BENCH_RAMP_SECONDS", "25"))
DRAIN_SECONDS = float(os.environ.get("BENCH_DRAIN_SECONDS", "60"))
PORT = int(os.environ.get("BENCH_PORT", "8767"))
# Celery workers as docker-compose.yml runs them (core.compose): its service names, separated
# by spaces, each optionally ":concurrency"; one worker process tree each (housekeeping; provider
# waits on threads; ffmpeg encodes). Two I/O processes of 50 threads for the worker core, as the
# README sizes them: at 250 users a story (3 s) and two images (5 s) each keep ~52 threads busy on
# average, and with one process images waited for a thread (10 s from queue to done, not 5-6).
CELERY_POOLS = [
    tuple((entry.split(":") + [""])[:2])
    for entry in os.environ.get("BENCH_CELERY_POOLS", "worker worker-io worker-io worker-video").split()
]
SIGNIN_CONCURRENCY = int(os.environ.get("BENCH_SIGNIN_CONCURRENCY", "4"))


def _cores(value: str) -> set[int]:
    """ "0" or "0,1" or "2-3": CPU ids for os.sched_setaffinity."""
    cores: set[int] = set()
    for part in value.split(","):
        first, _, last = part.partition("-")
        cores.update(range(int(first), int(last or first) + 1))
    return cores


# CPU placement (Linux affinity), so that the figure is per web core and the load generator
# cannot starve the server it measures: gunicorn on BENCH_WEB_CORES; locust (niced by
# BENCH_LOAD_NICE) on BENCH_LOAD_CORES; Celery on BENCH_CELERY_CORES. Default on 2 cores: web on
# CPU 0, locust and Celery on CPU 1.
_ALL = sorted(os.sched_getaffinity(0))
WEB_CORES = _cores(os.environ.get("BENCH_WEB_CORES", str(_ALL[0])))
LOAD_CORES = _cores(os.environ.get("BENCH_LOAD_CORES", str(_ALL[-1])))
CELERY_CORES = _cores(os.environ.get("BENCH_CELERY_CORES", ",".join(str(c) for c in _ALL if c not in WEB_CORES) or "0"))
# Not niced by default: pinned apart, locust cannot starve the web core; niced on the core it
# shares with Celery, it would wait behind the workers' threads and ffmpeg, and its own wait
# would count as the server's latency.
LOAD_NICE = int(os.environ.get("BENCH_LOAD_NICE", "0"))
USERS_PER_CORE_TARGET = 250
# The production web server (gunicorn.conf.py: uvicorn workers, ASGI), one worker per web core as
# the README's sizing says.
WEB_WORKERS = os.environ.get("BENCH_WEB_WORKERS", str(len(WEB_CORES)))


def pinned(cores: set[int], nice: int = 0):
    """preexec_fn: run the child on `cores` (and lower its priority by `nice`)."""

    def pin():
        os.sched_setaffinity(0, cores)
        if nice:
            os.nice(nice)

    return pin


# Users who sign in over HTTP in the sign-in phase (0 = everyone): each sign-in is a full Argon2
# check, so everyone takes minutes on a 2-core machine. The others' sessions are opened
# in-process (open_sessions).
SIGNIN_USERS = int(os.environ.get("BENCH_SIGNIN_USERS", "100")) or USERS
SETUP_THREADS = int(os.environ.get("BENCH_SETUP_THREADS", "8"))
PLAN = os.environ.get("BENCH_PLAN", "pro")
START_CREDITS = int(os.environ.get("BENCH_START_CREDITS", "10000"))
PASSWORD = "bench-load-password-2026"
OUT = ROOT / "var" / "bench-load"
SAMPLE_SECONDS = 0.5

# Targets of the issue.
P95_TARGET_MS = 300
WEB_RSS_TARGET_MB = 250
CELERY_RSS_TARGET_MB = 600
GENERATION = ("POST /api/ai/generate-story", "POST /api/ai/generate-image", "POST /api/ai/generate-video")
SIGN_IN = "POST /api/auth/…/login"

# The providers: "stubs" (default): Gemini streaming the story over BENCH_PROVIDER_SECONDS (3) and
# Stability answering after BENCH_IMAGE_SECONDS (5), from bench/stubs.py in a process of its own
# on the load generator's core, as the real APIs answer (a provider's wait costs the worker
# nothing); "local": the offline provider, whose placeholder PNGs (768x432, drawn and encoded by
# the worker) made the worker's core, shared with locust, the bottleneck of the earlier runs.
PROVIDERS = os.environ.get("BENCH_PROVIDERS", "stubs")

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "modo.settings.local",
    "DEBUG": "false",
    "MALLOC_ARENA_MAX": "2",  # as the Dockerfile sets it
    "DATABASE_URL": BENCH_URL,
    "REDIS_URL": BENCH_REDIS,
    "CELERY_BROKER_URL": BENCH_REDIS,
    "CONN_MAX_AGE": "60",
    "TRUSTED_PROXY_COUNT": "1",
    "AI_CACHE_ENABLED": "false",
    "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    "MEDIA_ROOT": str(ROOT / "var" / "bench-load-media"),
    "GEMINI_API_KEY": "",
    "OPENAI_API_KEY": "",
    "STABILITY_API_KEY": "",
    "ANTHROPIC_API_KEY": "",
    "VEO_API_KEY": "",
    "MIDTRANS_SERVER_KEY": "",
    "XENDIT_SECRET_KEY": "",
    "RESEND_API_KEY": "",
    "SENTRY_DSN": "",
}


def address_of(index: int) -> str:
    return f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"
