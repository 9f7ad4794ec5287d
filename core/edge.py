"""The edge of /api/: what Django, allauth or the server would answer before (or instead of)
a view becomes the JSON error shape of DESIGN section 4.

Refused up front, before anything reads the body: a declared body over
DATA_UPLOAD_MAX_MEMORY_SIZE (413), a header longer than API_MAX_HEADER_LENGTH (431), a charset
other than UTF-8 (415), malformed JSON or NUL characters sent to allauth's headless API (400). Afterwards any
error response that is not JSON (Django's 400/403/404/405 pages, allauth's empty 400 and 405)
is rewritten in the error shape, keeping its status and headers such as Allow.
"""

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext

API_PREFIX = "/api/"
AUTH_PREFIX = "/api/auth/"
UTF8_NAMES = {"utf-8", "utf8"}
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "X-Request-ID")


def error_response(message: str, code: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, "code": code, **extra}, status=status)


def _status_error(status: int) -> tuple[str, str]:
    """A sentence and a code for a status that reached the edge without a JSON body."""
    known = {
        400: (gettext("The request is not valid."), "VALIDATION_ERROR"),
        401: ("Unauthorized", "UNAUTHORIZED"),
        403: (gettext("You are not allowed to do this."), "FORBIDDEN"),
        404: (gettext("Not found."), "NOT_FOUND"),
        405: (gettext("This method is not allowed here."), "METHOD_NOT_ALLOWED"),
        409: (gettext("The request conflicts with the current state."), "CONFLICT"),
        413: (gettext("The request body is too large."), "PAYLOAD_TOO_LARGE"),
        415: (gettext("Send the body as JSON in UTF-8."), "UNSUPPORTED_MEDIA_TYPE"),
        429: (gettext("Too many requests. Please slow down."), "RATE_LIMITED"),
    }
    if status in known:
        return known[status]
    if status >= 500:
        return gettext("Something went wrong on our side."), "SERVER_ERROR"
    return gettext("The request is not valid."), "ERROR"


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def _charset(request: HttpRequest) -> str | None:
    content_type = request.META.get("CONTENT_TYPE") or ""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _refusal(request: HttpRequest) -> JsonResponse | None:
    """The answer to a request refused before anything reads it, or None to let it through."""
    length = _declared_length(request)
    if length is None or length < 0:
        return error_response(gettext("The Content-Length header is not valid."), "VALIDATION_ERROR", 400)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        return error_response(gettext("The request body is too large."), "PAYLOAD_TOO_LARGE", 413, max_bytes=limit)
    longest = settings.API_MAX_HEADER_LENGTH
    for name, value in request.META.items():
        if name.startswith("HTTP_") and isinstance(value, str) and len(value) > longest:
            header = name[5:].replace("_", "-").title()
            return error_response(
                gettext("The %(header)s header is too long.") % {"header": header},
                "HEADER_TOO_LARGE",
                431,
                max_length=longest,
            )
    charset = _charset(request)
    if charset is not None and charset not in UTF8_NAMES:
        return error_response(
            gettext("Unsupported charset %(charset)s: send the body in UTF-8.") % {"charset": charset[:40]},
            "UNSUPPORTED_MEDIA_TYPE",
            415,
        )
    if request.path.startswith(AUTH_PREFIX):
        return _auth_refusal(request, length)
    return None


def _holds_nul(value) -> bool:
    """True when a NUL character hides in a JSON value: PostgreSQL text cannot store one."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _auth_refusal(request: HttpRequest, length: int) -> JsonResponse | None:
    """allauth's headless API neither parses nor cleans its input as DRF does: malformed JSON and
    NUL characters (which PostgreSQL refuses with a 500) are answered here."""
    nul_message = gettext("The request must not contain NUL characters.")
    if "%00" in (request.META.get("QUERY_STRING") or ""):
        return error_response(nul_message, "VALIDATION_ERROR", 400, fields={"query": [nul_message]})
    if not length or "json" not in (request.META.get("CONTENT_TYPE") or ""):
        return None
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):
        message = gettext("The request body is not valid JSON.")
        return error_response(message, "VALIDATION_ERROR", 400, fields={"body": [message]})
    try:
        holds_nul = _holds_nul(body)
    except RecursionError:
        holds_nul = True  # nested deeper than anyone signs in with
    if holds_nul:
        return error_response(nul_message, "VALIDATION_ERROR", 400, fields={"body": [nul_message]})
    return None


def _is_json(response: HttpResponse) -> bool:
    return "json" in (response.get("Content-Type") or "")


def _as_json_error(response: HttpResponse) -> HttpResponse:
    if response.status_code < 400 or _is_json(response) or response.streaming:
        return response
    message, code = _status_error(response.status_code)
    rewritten = error_response(message, code, response.status_code)
    for header in _KEPT_HEADERS:
        if header in response:
            rewritten[header] = response[header]
    return rewritten


class ApiEdgeMiddleware:
    """Second in MIDDLEWARE (after observability): every /api/ answer is JSON, whoever makes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        refused = _refusal(request)
        if refused is not None:
            return refused
        return _as_json_error(self.get_response(request))
