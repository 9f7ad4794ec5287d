"""One JSON error shape for the whole API: {"error": "<sentence>", "code": "<CODE>", ...}."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from .errors import ApplicationError

logger = logging.getLogger(__name__)

_CODES = {
    status.HTTP_400_BAD_REQUEST: "VALIDATION_ERROR",
    status.HTTP_401_UNAUTHORIZED: "UNAUTHORIZED",
    status.HTTP_403_FORBIDDEN: "FORBIDDEN",
    status.HTTP_404_NOT_FOUND: "NOT_FOUND",
    status.HTTP_405_METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
    status.HTTP_406_NOT_ACCEPTABLE: "NOT_ACCEPTABLE",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
    status.HTTP_429_TOO_MANY_REQUESTS: "RATE_LIMITED",
}


# A date and time as DRF's DateTimeField writes it (the current time zone, ISO 8601): for the
# bodies the hottest endpoints build without a serializer.
datetime_text = serializers.DateTimeField().to_representation


def error_body(message: str, code: str, **extra) -> dict:
    return {"error": message, "code": code, **extra}


def _field_errors(detail) -> dict:
    """DRF's nested error detail -> {"field": ["message", ...]} with plain strings."""
    if isinstance(detail, dict):
        return {str(k): _messages(v) for k, v in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(detail) -> list:
    if isinstance(detail, list):
        out: list = []
        for item in detail:
            out.extend(_messages(item) if isinstance(item, list) else [_flatten(item)])
        return out
    return [_flatten(detail)]


def _flatten(detail):
    if isinstance(detail, dict):
        return {str(k): _messages(v) for k, v in detail.items()}
    return str(detail)


def _first_message(fields: dict) -> str:
    for name, messages in fields.items():
        if messages and isinstance(messages[0], str):
            return messages[0] if name == "non_field_errors" else f"{name}: {messages[0]}"
    return gettext("The request is not valid.")


def exception_handler(exc, context):
    """DRF exception handler: every error becomes the JSON shape, never HTML or a trace."""
    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(error_body(exc.message, exc.code, **exc.extra), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled API error", exc_info=exc)
        return None  # Django's handler500 answers with the JSON shape

    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    code = _CODES.get(exc.status_code, "ERROR")
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail)
        body = error_body(_first_message(fields), "VALIDATION_ERROR", fields=fields)
    elif isinstance(exc, exceptions.ParseError):
        body = error_body(str(exc.detail), "VALIDATION_ERROR", fields={"body": [str(exc.detail)]})
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        body = error_body("Unauthorized", "UNAUTHORIZED")
    else:
        body = error_body(str(exc.detail), code)
    return Response(body, status=exc.status_code, headers=headers)


def json_error_response(message: str, code: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(message, code), status=status_code)
