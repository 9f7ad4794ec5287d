"""Production: no default for any secret, HTTPS everywhere, mandatory email verification."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

for _required in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
    if not env.str(_required, default=""):
        raise ImproperlyConfigured(f"{_required} must be set in production.")

SECRET_KEY = env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost"])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # load balancer probes speak plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

SERVE_MEDIA = env.bool("SERVE_MEDIA", default=False)  # media comes from R2 / a CDN
BILLING_DEV_GATEWAY = False  # the local Pay/Fail checkout page never runs in production
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405
# No placeholder for money: a tier without a real provider refuses requests (before any charge).
AI_LOCAL_PROVIDER_ENABLED = env.bool("AI_LOCAL_PROVIDER_ENABLED", default=False)
