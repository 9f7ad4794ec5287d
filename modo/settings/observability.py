"""Operations: structured logs, Sentry, metrics."""

from .celery import CELERY_BROKER_URL
from .env import BASE_DIR, VAR_DIR, env

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "observability.logs.RequestIdFilter"},
        "client_errors": {"()": "observability.logs.ClientErrorFilter"},
    },
    # JSON or plain text as LOG_FORMAT says (observability section below).
    "formatters": {"console": {"()": "observability.logs.formatter_from_settings"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "console",
            "filters": ["request_id", "client_errors"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Only through the root's handler: Django's own console handler (DEBUG on) would print
        # every django.* line a second time.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # observability's access log replaces runserver's own request lines.
        "django.server": {"level": "WARNING"},
    },
}

# --- Operations: errors, structured logs, metrics (observability) ---------------------
# Sentry is on when SENTRY_DSN is set, in every process that loads these settings (web,
# worker, beat); events are scrubbed of secrets and carry no personal data (observability.sentry).
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="")
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")  # empty: the git commit if .git is present, else the version
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    from observability.sentry import release_detect, sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE or release_detect(BASE_DIR),
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
# Logs: "json" or "plain"; empty means plain while DEBUG is on (make run) and JSON otherwise.
# Every line carries the request id (X-Request-ID), also in the Celery tasks a request queued.
LOG_FORMAT = env("LOG_FORMAT", default="")
# /metrics: open to these addresses or networks (unset: loopback while DEBUG is on, else none),
# or to `Authorization: Bearer <METRICS_TOKEN>`; anyone else gets 403.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=None)
# A Celery worker on a machine without a web process serves its host's /metrics on this port
# (0: off), with the same gate (observability/worker_metrics.py).
METRICS_WORKER_PORT = env.int("METRICS_WORKER_PORT", default=0)
METRICS_WORKER_ADDRESS = env("METRICS_WORKER_ADDRESS", default="0.0.0.0")  # noqa: S104 - gated, see above
# Multi-process metrics: every process writes its figures here and /metrics sums them. The
# filesystem broker means web and worker share this machine, so the embedded default uses var/.
PROMETHEUS_MULTIPROC_DIR = env(
    "PROMETHEUS_MULTIPROC_DIR",
    default=str(VAR_DIR / "prometheus") if CELERY_BROKER_URL == "filesystem://" else "",
)
if PROMETHEUS_MULTIPROC_DIR:
    import os

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = PROMETHEUS_MULTIPROC_DIR  # prometheus_client reads it, in every process
