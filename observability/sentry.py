"""Sentry: errors (and, if asked, traces) from the web processes and the Celery workers.

Initialised from settings when SENTRY_DSN is set, so every process that loads the settings
(gunicorn, runserver, celery worker and beat) reports. No personal data is sent, and every
event and breadcrumb goes through `event_scrub` first: it removes passwords, tokens, session
ids, API keys, the Authorization / Cookie / X-Session-Token / X-Callback-Token headers,
webhook signature keys and secrets, wherever they sit (request data, headers, query strings,
extra, contexts, breadcrumbs, and the local variables of stack frames), at any depth.
"""

import re
import tomllib
from pathlib import Path

FILTERED = "[Filtered]"

# A key whose name contains one of these holds a secret (matched on the lowercased name,
# "-" read as "_": "HTTP_X_SESSION_TOKEN", "x-callback-token", "signature_key", "R2_SECRET_ACCESS_KEY").
_SECRET_KEY_PARTS = (
    "password", "passwd", "secret", "token", "api_key", "apikey", "private_key", "access_key",
    "server_key", "client_key", "signature", "authorization", "cookie", "csrf", "credential", "session",
    "dsn",
)  # fmt: skip
# Counts and names that contain those words but are no secret: kept for debugging.
_NOT_SECRET = {"tokens_in", "tokens_out", "session_cookie_age", "max_tokens", "csrf_cookie_httponly"}

# Secrets inside free text: "Bearer abc", "token=abc" in a query string or a message,
# "postgres://user:password@host", "sk-..." style provider keys.
_TEXT_PATTERNS = [
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 " + FILTERED),
    (re.compile(r"\b(Basic)\s+[A-Za-z0-9+/=]{8,}"), r"\1 " + FILTERED),
    (
        re.compile(
            r"(?i)\b([a-z0-9_-]*(?:password|passwd|secret|token|api_?key|signature_key|server_key|sessionid|session_id)"
            r"[a-z0-9_-]*)(['\"]?\s*[=:]\s*['\"]?)[^\s&'\",;}]+"
        ),
        r"\1\2" + FILTERED,
    ),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):[^@\s/]+@"), r"\1:" + FILTERED + "@"),
    (re.compile(r"\b(sk|pk|rk|xnd|SB-Mid-server|Mid-server)[-_][A-Za-z0-9_-]{10,}"), FILTERED),
]


def key_is_secret(key: object) -> bool:
    name = str(key).lower().replace("-", "_")
    if name in _NOT_SECRET:
        return False
    return any(part in name for part in _SECRET_KEY_PARTS)


def text_scrub(text: str) -> str:
    for pattern, replacement in _TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def value_scrub(value):
    """A copy of `value` with secrets replaced by "[Filtered]", at any depth."""
    if isinstance(value, dict):
        return {key: (FILTERED if key_is_secret(key) else value_scrub(item)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        # Headers and query strings sometimes come as [name, value] pairs.
        if len(value) == 2 and isinstance(value[0], str) and key_is_secret(value[0]):
            return [value[0], FILTERED]
        return [value_scrub(item) for item in value]
    if isinstance(value, str):
        return text_scrub(value)
    return value


def event_scrub(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send (and before_send_transaction): the whole event, scrubbed."""
    return value_scrub(event)


def breadcrumb_scrub(crumb: dict, hint: dict | None = None) -> dict:
    return value_scrub(crumb)


def release_detect(base_dir: Path) -> str:
    """The git commit when .git is at hand (read from files, no subprocess), else the project version."""
    git = base_dir / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            ref_file = git / ref
            if ref_file.exists():
                head = ref_file.read_text().strip()
            else:
                packed = (git / "packed-refs").read_text().splitlines()
                head = next(line.split()[0] for line in packed if line.endswith(" " + ref))
        if re.fullmatch(r"[0-9a-f]{40}", head):
            return f"modo@{head[:12]}"
    except (OSError, StopIteration):
        pass
    try:
        version = tomllib.loads((base_dir / "pyproject.toml").read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        version = "unknown"
    return f"modo@{version}"


def sentry_init(*, dsn: str, environment: str = "", release: str = "", traces_sample_rate: float = 0.0, **options):
    """Start Sentry for this process: Django, Celery and Redis integrations, no personal data."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    if not 0.0 <= traces_sample_rate <= 1.0:
        raise ValueError(f"SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1, not {traces_sample_rate}")
    return sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration(), RedisIntegration()],
        # Only these (and the defaults: logging, threads, excepthook, ...). The auto-enabled AI SDK
        # integrations would report every provider error the fallback chain already handles.
        auto_enabling_integrations=False,
        before_send=event_scrub,
        before_send_transaction=event_scrub,
        before_breadcrumb=breadcrumb_scrub,
        max_request_body_size="medium",
        **options,
    )
