"""Celery: the broker (Redis, or files under var/celery/ with no server), task defaults and the
beat schedule that every app's settings module adds its periodic tasks to."""

from pathlib import Path

from .cache import REDIS_URL
from .env import VAR_DIR, env

CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery")))
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    # A broker that needs no server: messages are files under var/celery/.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # A task not acknowledged within an hour is redelivered; longer than any video job.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu's Redis transport, publishing through one kept client (core.redis_clients).
    CELERY_BROKER_TRANSPORT = "core.redis_clients:Transport"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
# There is no result backend. Celery makes a backend object per thread unless told it is
# thread-safe; under Django's ASGI handler (a thread per request) every story request made one
# (an entry-point scan) for a result nobody reads. The disabled backend holds nothing.
CELERY_RESULT_BACKEND_THREAD_SAFE = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES: dict = {}  # filled by the apps' issues: {"aigen.tasks.image_*": {"queue": "images"}}
CELERY_TIMEZONE = "Asia/Jakarta"
CELERY_BEAT_SCHEDULE: dict = {
    "studio-purge-soft-deleted": {"task": "studio.tasks.soft_deleted_purge_daily", "schedule": 60 * 60 * 24},
}
