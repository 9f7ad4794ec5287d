"""Everything MODO needs is wired here; local / test / production only change values.

Every value comes from the environment (django-environ). With no environment at all the
platform runs on its embedded defaults: SQLite under var/, a local-memory cache, files
under var/media, console email and a Celery broker on the filesystem.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", default="modo-insecure-embedded-default-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
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

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'modo.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Prepared statements for the few statements written for server-side binding
    # (core.sql.bound_cursor: the credit charge and a story's success): PostgreSQL parses and
    # plans each once per connection instead of on every call (~0.8 ms of its CPU per story).
    # From a statement's second run on a connection: preparing costs a round trip, which a
    # connection used once (CONN_MAX_AGE=0) would pay for nothing. The ORM binds client-side
    # and never prepares. Turn off behind a pooler in transaction mode that does not carry
    # prepared statements (PgBouncer before 1.21, or with max_prepared_statements = 0).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        1 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, broker: Redis when REDIS_URL is set ------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    _redis_options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": 2,
        "SOCKET_TIMEOUT": 2,
    }
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _redis_options,
            "KEY_PREFIX": "modo",
        },
        "sessions": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _redis_options,
            "KEY_PREFIX": "modo-session",
            "TIMEOUT": None,
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    SESSION_CACHE_ALIAS = "sessions"
else:
    # Files under var/cache: shared by the web process and the worker (a plan bought in one is
    # seen by the other), with no server. Its increments are not atomic; Redis is for real load.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# --- Celery ---------------------------------------------------------------------------
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
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES: dict = {}  # filled by the apps' issues: {"aigen.tasks.image_*": {"queue": "images"}}
CELERY_TIMEZONE = "Asia/Jakarta"
CELERY_BEAT_SCHEDULE: dict = {
    "studio-purge-soft-deleted": {"task": "studio.tasks.soft_deleted_purge_daily", "schedule": 60 * 60 * 24},
}

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, reading the signed-in user through the cache (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "accounts.hashers.ModoArgon2PasswordHasher",  # OWASP's Argon2id parameters (see the module)
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

# django-allauth: the email is the login, there is no username.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_AUTHENTICATED_LOGIN_REDIRECTS = True
ACCOUNT_RATE_LIMITS: dict = {}  # allauth's own defaults (login, signup, password reset) stay on
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[MODO] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
GOOGLE_CLIENT_ID = env("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env("GOOGLE_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS: dict = {}
if GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET:
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}],
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        "EMAIL_AUTHENTICATION": True,
    }
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "MODO"
HEADLESS_CLIENTS = ("browser", "app")
HEADLESS_SERVE_SPECIFICATION = False

# --- Organizations --------------------------------------------------------------------
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)

# --- Credits --------------------------------------------------------------------------
# The trial (DESIGN section 3): bonus credits once for a new personal organization, and per
# user at most TRIAL_MAX_GENERATIONS successful generations until TRIAL_DAYS after signup.
TRIAL_BONUS_CREDITS = env.int("TRIAL_BONUS_CREDITS", default=20)
TRIAL_MAX_GENERATIONS = env.int("TRIAL_MAX_GENERATIONS", default=2)
TRIAL_DAYS = env.int("TRIAL_DAYS", default=7)
TRIAL_DAILY_REQUESTS = env.int("TRIAL_DAILY_REQUESTS", default=2)  # AI requests per user per 24 h on trial
# Idempotency-Key: how long a first response is replayed, and after how long a request
# still "in progress" counts as abandoned (its process died) so the key can be used again.
CREDIT_IDEMPOTENCY_TTL_HOURS = env.int("CREDIT_IDEMPOTENCY_TTL_HOURS", default=24)
CREDIT_IDEMPOTENCY_STALE_SECONDS = env.int("CREDIT_IDEMPOTENCY_STALE_SECONDS", default=600)
# Daily: audit every balance against its ledger (emails staff on drift); purge expired keys.
CELERY_BEAT_SCHEDULE["credits-audit-daily"] = {
    "task": "credits.tasks.credits_audit_daily",
    "schedule": 60 * 60 * 24,
}
CELERY_BEAT_SCHEDULE["credits-idempotency-purge-daily"] = {
    "task": "credits.tasks.idempotency_purge_daily",
    "schedule": 60 * 60 * 24,
}

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.SessionTokenAuthentication",
        "core.authentication.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],  # DRF's, with too-deep JSON a 400
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",  # adds the implied error responses
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MODO API",
    "DESCRIPTION": "Turn a story idea into a story, illustrated beats and short animated videos.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: /api/docs/ works offline and behind a strict CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"MembershipRoleEnum": "accounts.models.Membership.Role"},
}

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("id", "Bahasa Indonesia")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)  # Django serves var/media itself on the embedded default
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names + far-future cache headers: safe for a CDN to cache at the edge.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365

# --- Email ----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="MODO <hello@modo.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
RESEND_API_KEY = env("RESEND_API_KEY", default="")
if RESEND_API_KEY:
    EMAIL_BACKEND = "anymail.backends.resend.EmailBackend"
    ANYMAIL = {"RESEND_API_KEY": RESEND_API_KEY}
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
STAFF_ALERT_EMAILS = env.list("STAFF_ALERT_EMAILS", default=[])

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the browser API client reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "observability.logs.RequestIdFilter"}},
    # JSON or plain text as LOG_FORMAT says (observability section below).
    "formatters": {"console": {"()": "observability.logs.formatter_from_settings"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "console", "filters": ["request_id"]},
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

# --- AI generation --------------------------------------------------------------------
# The provider registry (aigen.registry). Each entry: provider, model id (with its
# retirement date where known: a system check warns past it), credits per request (video:
# per beat), provider cost in USD per request, timeout in seconds, and the entries to fall
# back to when the provider has no key or fails. With no keys at all everything runs on
# `local`. AI_MODELS_OVERRIDE (JSON) merges into any entry without a code change.
GEMINI_API_KEY = env("GEMINI_API_KEY", default="")
OPENAI_API_KEY = env("OPENAI_API_KEY", default="")
STABILITY_API_KEY = env("STABILITY_API_KEY", default="")
ANTHROPIC_API_KEY = env("ANTHROPIC_API_KEY", default="")
# Veo runs through Vertex AI express mode (google-genai serves video only there): its key.
VEO_API_KEY = env("VEO_API_KEY", default="")
AI_PROVIDER_KEYS = {
    "gemini": GEMINI_API_KEY,
    "veo": VEO_API_KEY or GEMINI_API_KEY,
    "openai": OPENAI_API_KEY,
    "stability": STABILITY_API_KEY,
    "anthropic": ANTHROPIC_API_KEY,
}
# Empty: the SDK's own endpoint. Tests point these at stub servers on 127.0.0.1.
AI_PROVIDER_BASE_URLS = {
    "gemini": env("AI_GEMINI_BASE_URL", default=""),
    "veo": env("AI_VEO_BASE_URL", default=""),
    "openai": env("AI_OPENAI_BASE_URL", default=""),
    "stability": env("AI_STABILITY_BASE_URL", default="https://api.stability.ai"),
    "anthropic": env("AI_ANTHROPIC_BASE_URL", default=""),
}
AI_MODELS = {
    "text:fast": {
        "provider": "gemini",
        "model": env("AI_TEXT_FAST_MODEL", default="gemini-2.5-flash"),
        "retires": env("AI_TEXT_FAST_RETIRES", default=""),  # ISO date where known
        "credits": env.int("AI_CREDITS_STORY_FAST", default=3),
        "cost_usd": 0.0006,
        "timeout": 30,
        "fallback": ["text:premium", "text:local"],
    },
    "text:premium": {
        "provider": "openai",
        "model": env("AI_TEXT_PREMIUM_MODEL", default="gpt-4o"),
        "retires": env("AI_TEXT_PREMIUM_RETIRES", default=""),
        "credits": env.int("AI_CREDITS_STORY_PREMIUM", default=8),
        "cost_usd": 0.01,
        "timeout": 60,
        "fallback": ["text:anthropic", "text:fast", "text:local"],
    },
    "text:anthropic": {
        "provider": "anthropic",
        "model": env("AI_TEXT_ANTHROPIC_MODEL", default="claude-sonnet-5"),
        "retires": env("AI_TEXT_ANTHROPIC_RETIRES", default=""),
        "credits": env.int("AI_CREDITS_STORY_PREMIUM", default=8),
        "cost_usd": 0.012,
        "timeout": 60,
        "fallback": ["text:local"],
    },
    "text:local": {
        "provider": "local",
        "model": "local-story-1",
        "retires": "",
        "credits": env.int("AI_CREDITS_STORY_FAST", default=3),
        "cost_usd": 0.0,
        "timeout": 30,
        "fallback": [],
    },
    "image:fast": {
        "provider": "stability",
        "model": env("AI_IMAGE_FAST_MODEL", default="core"),
        "retires": env("AI_IMAGE_FAST_RETIRES", default=""),
        "credits": env.int("AI_CREDITS_IMAGE_FAST", default=5),
        "cost_usd": 0.03,
        "timeout": 60,
        "fallback": ["image:premium", "image:local"],
    },
    "image:premium": {
        "provider": "openai",
        "model": env("AI_IMAGE_PREMIUM_MODEL", default="gpt-image-1"),
        "retires": env("AI_IMAGE_PREMIUM_RETIRES", default=""),
        "credits": env.int("AI_CREDITS_IMAGE_PREMIUM", default=10),
        "cost_usd": 0.04,
        "timeout": 120,
        "fallback": ["image:fast", "image:local"],
    },
    "image:local": {
        "provider": "local",
        "model": "local-image-1",
        "retires": "",
        "credits": env.int("AI_CREDITS_IMAGE_FAST", default=5),
        "cost_usd": 0.0,
        "timeout": 60,
        "fallback": [],
    },
    "video:fast": {
        "provider": "local",
        "model": "local-animatic-1",
        "retires": "",
        "credits": env.int("AI_CREDITS_VIDEO_FAST", default=30),
        "cost_usd": 0.0,
        "timeout": 600,
        "fallback": [],
    },
    "video:premium": {
        "provider": "veo",
        "model": env("AI_VIDEO_PREMIUM_MODEL", default="veo-3.1-generate-preview"),
        "retires": env("AI_VIDEO_PREMIUM_RETIRES", default=""),
        "credits": env.int("AI_CREDITS_VIDEO_PREMIUM", default=60),
        "cost_usd": 3.2,
        "timeout": 900,
        "fallback": ["video:fast"],
    },
}
for _entry, _override in env.json("AI_MODELS_OVERRIDE", default={}).items():
    AI_MODELS.setdefault(_entry, {}).update(_override)
AI_PROVIDER_MAX_RETRIES = env.int("AI_PROVIDER_MAX_RETRIES", default=2)  # per provider call, on 429/5xx/timeout
AI_PROVIDER_BACKOFF_SECONDS = env.float("AI_PROVIDER_BACKOFF_SECONDS", default=1.0)
AI_FETCH_MAX_BYTES = env.int("AI_FETCH_MAX_BYTES", default=20 * 1024 * 1024)  # provider image/video URLs
AI_FETCH_TIMEOUT_SECONDS = env.float("AI_FETCH_TIMEOUT_SECONDS", default=30)
AI_CACHE_ENABLED = env.bool("AI_CACHE_ENABLED", default=True)
AI_CACHE_TTL_SECONDS = env.int("AI_CACHE_TTL_SECONDS", default=60 * 60)
AI_RATE_LIMIT_ENABLED = env.bool("AI_RATE_LIMIT_ENABLED", default=True)
# A job still queued or running this long after it was created is failed and refunded.
AI_JOB_DEADLINE_SECONDS = {
    "story": env.int("AI_DEADLINE_STORY_SECONDS", default=5 * 60),
    "image": env.int("AI_DEADLINE_IMAGE_SECONDS", default=15 * 60),
    "video": env.int("AI_DEADLINE_VIDEO_SECONDS", default=60 * 60),
}
AI_TASK_MAX_ATTEMPTS = env.int("AI_TASK_MAX_ATTEMPTS", default=3)
AI_TASK_BACKOFF_SECONDS = env.float("AI_TASK_BACKOFF_SECONDS", default=5.0)  # doubles per attempt
AI_VEO_POLL_SECONDS = env.float("AI_VEO_POLL_SECONDS", default=10.0)
# The local animatic: frame size, seconds per beat, frames per second.
AI_LOCAL_VIDEO_SIZE = env("AI_LOCAL_VIDEO_SIZE", default="640x360")
AI_LOCAL_VIDEO_SECONDS_PER_BEAT = env.float("AI_LOCAL_VIDEO_SECONDS_PER_BEAT", default=3.0)
AI_LOCAL_VIDEO_FPS = env.int("AI_LOCAL_VIDEO_FPS", default=24)
AI_LOCAL_IMAGE_SIZE = env("AI_LOCAL_IMAGE_SIZE", default="768x432")
CELERY_TASK_ROUTES["aigen.tasks.image_*"] = {"queue": "images"}
CELERY_TASK_ROUTES["aigen.tasks.video_*"] = {"queue": "video"}
CELERY_BEAT_SCHEDULE["aigen-sweep-stuck-jobs"] = {"task": "aigen.tasks.jobs_sweep_stuck", "schedule": 60}
if CELERY_BROKER_URL != "filesystem://":
    # Redelivery after a worker died waits for this; keep it above the longest job.
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "GenerationJobStatusEnum": "aigen.models.GenerationJob.Status",
        "GenerationQualityEnum": "aigen.models.GenerationJob.Quality",
    }
)
# Files: filesystem by default; Cloudflare R2 (S3 API, django-storages) when R2_BUCKET is set.
R2_BUCKET = env("R2_BUCKET", default="")
if R2_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": R2_BUCKET,
            "endpoint_url": env("R2_ENDPOINT_URL", default=""),
            "access_key": env("R2_ACCESS_KEY_ID", default=""),
            "secret_key": env("R2_SECRET_ACCESS_KEY", default=""),
            "region_name": env("R2_REGION", default="auto"),
            "custom_domain": env("R2_PUBLIC_DOMAIN", default="") or None,
            "default_acl": None,
            "querystring_auth": env.bool("R2_SIGNED_URLS", default=False),
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }

# --- Billing --------------------------------------------------------------------------
# Each gateway is on when its keys are set. With none set (the embedded default) the `dev`
# gateway is on instead: a local checkout page that signs Midtrans-format notifications
# with BILLING_DEV_SERVER_KEY. production.py switches it off for good.
MIDTRANS_SERVER_KEY = env("MIDTRANS_SERVER_KEY", default="")
MIDTRANS_CLIENT_KEY = env("MIDTRANS_CLIENT_KEY", default="")
MIDTRANS_IS_PRODUCTION = env.bool("MIDTRANS_IS_PRODUCTION", default=False)
MIDTRANS_SNAP_BASE_URL = env("MIDTRANS_SNAP_BASE_URL", default="")  # override (tests: a local stub)
MIDTRANS_API_BASE_URL = env("MIDTRANS_API_BASE_URL", default="")  # status API override
XENDIT_SECRET_KEY = env("XENDIT_SECRET_KEY", default="")
XENDIT_CALLBACK_TOKEN = env("XENDIT_CALLBACK_TOKEN", default="")
XENDIT_API_BASE_URL = env("XENDIT_API_BASE_URL", default="")  # override (tests: a local stub)
BILLING_DEV_GATEWAY = env.bool("BILLING_DEV_GATEWAY", default=not (MIDTRANS_SERVER_KEY or XENDIT_SECRET_KEY))
BILLING_DEV_SERVER_KEY = env("BILLING_DEV_SERVER_KEY", default="dev-" + SECRET_KEY[-24:])
BILLING_RECONCILE_AFTER_MINUTES = env.int("BILLING_RECONCILE_AFTER_MINUTES", default=15)
BILLING_ORDER_EXPIRY_HOURS = env.int("BILLING_ORDER_EXPIRY_HOURS", default=24)
BILLING_REMINDER_DAYS_BEFORE = env.int("BILLING_REMINDER_DAYS_BEFORE", default=3)
CELERY_BEAT_SCHEDULE["billing-reconcile-pending-orders"] = {
    "task": "billing.tasks.billing_reconcile_pending_orders",
    "schedule": 60 * 5,
}
CELERY_BEAT_SCHEDULE["billing-expire-trials"] = {"task": "billing.tasks.billing_expire_trials", "schedule": 60 * 15}
CELERY_BEAT_SCHEDULE["billing-expire-subscriptions"] = {
    "task": "billing.tasks.billing_expire_subscriptions",
    "schedule": 60 * 15,
}
CELERY_BEAT_SCHEDULE["billing-send-renewal-reminders"] = {
    "task": "billing.tasks.billing_send_renewal_reminders",
    "schedule": 60 * 60,
}
CELERY_BEAT_SCHEDULE["billing-expire-stale-orders"] = {
    "task": "billing.tasks.billing_expire_stale_orders",
    "schedule": 60 * 30,
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {"OrderStatusEnum": "billing.models.Order.Status", "OrderGatewayEnum": "billing.models.Order.Gateway"}
)

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

# --- Operations: staff analytics (analytics) ------------------------------------------
# Staff charts under /admin/analytics/. Credit revenue is shown in USD beside provider cost:
# IDR amounts are divided by this rate (IDR for one US dollar; update it now and then).
ANALYTICS_IDR_PER_USD = env.float("ANALYTICS_IDR_PER_USD", default=16_300.0)  # checked: analytics.E001
ANALYTICS_DEFAULT_RANGE_DAYS = env.int("ANALYTICS_DEFAULT_RANGE_DAYS", default=30)
ANALYTICS_MAX_RANGE_DAYS = env.int("ANALYTICS_MAX_RANGE_DAYS", default=366)  # bounds every query's scan
ANALYTICS_TOP_ORGANIZATIONS = env.int("ANALYTICS_TOP_ORGANIZATIONS", default=10)
ANALYTICS_SORT_MEMORY_MB = env.int("ANALYTICS_SORT_MEMORY_MB", default=64)  # work_mem of the p95 query
# The analytics indexes are covering (INCLUDE) on PostgreSQL; SQLite (the embedded default)
# builds them without the extra columns, which is fine there: don't warn about it.
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "models.W040", "models.W039"]
# Daily rollups (analytics/services.py): every ANALYTICS_ROLLUP_MINUTES the beat task
# recomputes the last ANALYTICS_ROLLUP_RECENT_DAYS closed days (refunds come within a job's
# deadline, an hour at most) and any older day with a new refund. A day is closed once it
# ended ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS ago. History: `manage.py analytics_rollup --since`.
ANALYTICS_ROLLUP_MINUTES = env.int("ANALYTICS_ROLLUP_MINUTES", default=10)
ANALYTICS_ROLLUP_RECENT_DAYS = env.int("ANALYTICS_ROLLUP_RECENT_DAYS", default=3)
ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS = env.int("ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS", default=300)
CELERY_BEAT_SCHEDULE["analytics-rollup"] = {
    "task": "analytics.tasks.analytics_rollup",
    "schedule": 60 * ANALYTICS_ROLLUP_MINUTES,
}

# --- Operations: abuse detection, suspension, staff audit trail (abuse, audit) --------
# abuse.tasks.abuse_scan runs every ABUSE_SCAN_MINUTES; each rule looks back over its own
# window. A hit opens one flag per rule and subject (emailed to STAFF_ALERT_EMAILS or ADMINS,
# and sent to Sentry); staff resolve flags and suspend organizations in the admin.
ABUSE_SCAN_MINUTES = env.int("ABUSE_SCAN_MINUTES", default=15)
# Generation burst: a user's generations in the window > MULTIPLE x their tier's daily limit
# spread over the window, and > MIN_GENERATIONS.
ABUSE_BURST_WINDOW_MINUTES = env.int("ABUSE_BURST_WINDOW_MINUTES", default=60)
ABUSE_BURST_MULTIPLE = env.float("ABUSE_BURST_MULTIPLE", default=10.0)
ABUSE_BURST_MIN_GENERATIONS = env.int("ABUSE_BURST_MIN_GENERATIONS", default=20)
# Failed payments: at least MAX orders of one organization failed or expired in the window.
ABUSE_FAILED_PAYMENTS_WINDOW_HOURS = env.int("ABUSE_FAILED_PAYMENTS_WINDOW_HOURS", default=24)
ABUSE_FAILED_PAYMENTS_MAX = env.int("ABUSE_FAILED_PAYMENTS_MAX", default=5)
# Signups: at least MAX accounts from one client address (REMOTE_ADDR, or X-Forwarded-For
# behind TRUSTED_PROXY_COUNT proxies) in the window.
ABUSE_SIGNUP_IP_WINDOW_MINUTES = env.int("ABUSE_SIGNUP_IP_WINDOW_MINUTES", default=60)
ABUSE_SIGNUP_IP_MAX = env.int("ABUSE_SIGNUP_IP_MAX", default=5)
# Safety: at least MAX provider safety refusals of one user's prompts in the window.
ABUSE_SAFETY_WINDOW_HOURS = env.int("ABUSE_SAFETY_WINDOW_HOURS", default=24)
ABUSE_SAFETY_REJECTIONS_MAX = env.int("ABUSE_SAFETY_REJECTIONS_MAX", default=5)
CELERY_BEAT_SCHEDULE["abuse-scan"] = {"task": "abuse.tasks.abuse_scan", "schedule": 60 * ABUSE_SCAN_MINUTES}
