"""The one application error type. Services raise it; the API renders it as JSON."""

from typing import Any

from django.utils.translation import gettext


class ApplicationError(Exception):
    status_code = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status_code = status
        self.extra = extra


class ValidationFailed(ApplicationError):
    status_code = 400
    code = "VALIDATION_ERROR"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, **extra: Any):
        super().__init__(message, fields=fields or {}, **extra)


class NotFound(ApplicationError):
    status_code = 404
    code = "NOT_FOUND"


class Forbidden(ApplicationError):
    status_code = 403
    code = "FORBIDDEN"


class OrganizationSuspended(Forbidden):
    """403: staff suspended the organization; it cannot generate until they lift it."""

    code = "SUSPENDED"

    def __init__(self, message: str | None = None, **extra: Any):
        super().__init__(
            message or gettext("This organization is suspended and cannot generate anything. Please contact support."),
            **extra,
        )
