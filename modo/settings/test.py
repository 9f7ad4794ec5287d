"""pytest: real PostgreSQL and Redis on this machine unless the environment says otherwise."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modo")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")

from .base import *  # noqa: E402, F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run inline in unit tests; tests of the real worker switch this off for themselves.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)  # noqa: F405
# A worker process's emails cannot reach the test's locmem outbox: its tests give it a folder.
EMAIL_BACKEND = env("TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")  # noqa: F405
EMAIL_FILE_PATH = env("TEST_EMAIL_FILE_PATH", default=str(VAR_DIR / "test-emails"))  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = str(VAR_DIR / "test-media")  # noqa: F405
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "APPS": [{"client_id": "test-google-client", "secret": "test-google-secret", "key": ""}],
        "SCOPE": ["profile", "email"],
        "EMAIL_AUTHENTICATION": True,
    }
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
