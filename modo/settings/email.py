"""Email: the console by default, Resend (django-anymail) when RESEND_API_KEY is set."""

from .env import env

DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="MODO <hello@modo.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
RESEND_API_KEY = env("RESEND_API_KEY", default="")
if RESEND_API_KEY:
    EMAIL_BACKEND = "anymail.backends.resend.EmailBackend"
    ANYMAIL = {"RESEND_API_KEY": RESEND_API_KEY}
    if RESEND_API_URL := env("RESEND_API_URL", default=""):  # override (tests, the smoke test: a stub)
        ANYMAIL["RESEND_API_URL"] = RESEND_API_URL
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
STAFF_ALERT_EMAILS = env.list("STAFF_ALERT_EMAILS", default=[])
