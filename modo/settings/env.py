"""Where the project lives and how settings read the environment (django-environ; a `.env`
file beside manage.py is read too, without overriding the real environment)."""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def site_url_checked(value: str) -> str:
    """SITE_URL without its trailing slash; ImproperlyConfigured unless it is http(s)://host[/path]."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"SITE_URL must be the site's address with its scheme, like https://modo.example.com (got {value!r})."
        )
    return url
