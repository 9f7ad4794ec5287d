"""Log records carry the request id; the console speaks JSON or plain text (LOG_FORMAT).

Referenced from settings.LOGGING, so this module is imported while Django configures
logging, before the apps are loaded: it imports nothing from the project.
"""

import logging

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from .context import request_id_get

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = ["asctime", "levelname", "name", "message", "request_id"]
# Django puts the HttpRequest on some records (django.request, django.server): its repr has
# the raw path and query string, which may hold tokens. The fields we want are logged on their own.
_NOT_SERIALISED = [*RESERVED_ATTRS, "request", "server_time"]


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or "-") to every record passing through the handler it sits on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_get() or "-"
        return True


def log_format_resolve(value: str, *, debug: bool) -> str:
    """LOG_FORMAT: "json" or "plain"; empty means plain while DEBUG is on (make run), else JSON."""
    value = (value or "").strip().lower()
    if not value:
        return "plain" if debug else "json"
    if value not in ("json", "plain"):
        raise ValueError(f"LOG_FORMAT must be json or plain, not {value!r}")
    return value


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        reserved_attrs=_NOT_SERIALISED,
    )


def formatter_from_settings() -> logging.Formatter:
    """The console formatter that LOG_FORMAT (and DEBUG) ask for; LOGGING's "()" factory."""
    from django.conf import settings

    if log_format_resolve(getattr(settings, "LOG_FORMAT", ""), debug=settings.DEBUG) == "json":
        return json_formatter()
    return logging.Formatter(PLAIN_FORMAT)


class ClientErrorFilter(logging.Filter):
    """A client's mistake is not a server error: Django logs a suspicious request (an oversized
    body, a bad Host header) at ERROR with a traceback, as a 400. Such records pass as WARNING,
    without the traceback; a 5xx keeps its level and trace."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
            record.exc_info, record.exc_text = None, None
        return True
