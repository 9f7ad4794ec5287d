"""Everything MODO needs is wired here; local / test / production only change values.

Every value comes from the environment (django-environ). With no environment at all the
platform runs on its embedded defaults: SQLite under var/, a file cache, files under
var/media, console email and a Celery broker on the filesystem.

Django's own core is below; each concern has its module beside this one (database, cache,
celery, auth, credits, api, storage, email, security, observability, ai, billing,
analytics, abuse), each importing from the others what it reads; production differs only by
environment values.
"""

from django.core.exceptions import ImproperlyConfigured

from .env import BASE_DIR, VAR_DIR, env, site_url_checked  # noqa: F401

# --- Core -----------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The site's public address and name: every link in every email (background ones included)
# and the Site object (allauth's emails) come from these. A malformed SITE_URL stops start-up.
SITE_URL = site_url_checked(env("SITE_URL", default="http://127.0.0.1:8000"))
SITE_NAME = env("SITE_NAME", default="MODO")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anymail",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.mfa",
    "allauth.headless",
    "core",
    "observability",
    "audit",
    "accounts",
    "credits",
    "billing",
    "aigen",
    "studio",
    "analytics",
    "abuse",
]

MIDDLEWARE = [
    "observability.middleware.RequestObservabilityMiddleware",  # first: the request id covers all the rest
    "core.memo.RequestMemoMiddleware",  # what several parts of a request read, read once (core/memo.py)
    "core.edge.ApiEdgeMiddleware",  # every /api/ answer JSON, including what the rest refuses
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.CurrentOrganizationMiddleware",
    "core.middleware.PageErrorMiddleware",
]

ROOT_URLCONF = "modo.urls"
WSGI_APPLICATION = "modo.wsgi.application"
ASGI_APPLICATION = "modo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.current_organization",
                "studio.context_processors.notifications",
            ],
        },
    },
]

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("id", "Bahasa Indonesia")]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))} (got {LANGUAGE_CODE!r}).")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Each concern in its own module ----------------------------------------------------
from .abuse import *  # noqa: E402, F403
from .ai import *  # noqa: E402, F403
from .analytics import *  # noqa: E402, F403
from .api import *  # noqa: E402, F403
from .auth import *  # noqa: E402, F403
from .billing import *  # noqa: E402, F403
from .cache import *  # noqa: E402, F403
from .celery import *  # noqa: E402, F403
from .credits import *  # noqa: E402, F403
from .database import *  # noqa: E402, F403
from .email import *  # noqa: E402, F403
from .observability import *  # noqa: E402, F403
from .security import *  # noqa: E402, F403
from .storage import *  # noqa: E402, F403
from .studio import *  # noqa: E402, F403
