"""A real Celery worker process for the job tests, on the test database and the test Redis."""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

from core.compose import QUIET, service_command

ROOT = Path(__file__).resolve().parents[2]


def worker_env(**extra: str) -> dict[str, str]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "modo.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "GEMINI_API_KEY": "",
        "OPENAI_API_KEY": "",
        "STABILITY_API_KEY": "",
        "ANTHROPIC_API_KEY": "",
        "AI_LOCAL_IMAGE_SIZE": "96x54",
        "AI_LOCAL_VIDEO_SIZE": "96x54",
        "AI_LOCAL_VIDEO_SECONDS_PER_BEAT": "1",
        "AI_LOCAL_VIDEO_FPS": "8",
        "AI_PROVIDER_BACKOFF_SECONDS": "0.01",
        "AI_TASK_BACKOFF_SECONDS": "0.05",
        "AI_LOCAL_STREAM_DELAY_SECONDS": "0",
    }
    env.update(extra)
    return env


ALL_QUEUES = "default,text,images,video,encode"


def worker_start(
    *, queues: str = ALL_QUEUES, pool: str = "solo", concurrency: int = 1, **extra: str
) -> subprocess.Popen:
    """A worker on `queues`; pool `threads` (with `concurrency`) as production's I/O workers."""
    return subprocess.Popen(  # noqa: S603 - docker-compose.yml's worker, on the test's queues and pool
        service_command(
            "worker",
            *QUIET,
            "--without-heartbeat",
            queues=queues,
            pool=pool,
            concurrency=concurrency,
            loglevel="WARNING",
        ),
        cwd=ROOT,
        env=worker_env(**extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def worker_stop(process: subprocess.Popen, *, kill: bool = False) -> None:
    if kill:
        # The whole process group (the worker started its own session): ffmpeg dies with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            # The whole group: a gunicorn master killed alone leaves its workers running (with
            # their open SSE streams), orphaned.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(predicate: Callable[[], object], *, timeout: float = 60, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not reached within {timeout} s")
