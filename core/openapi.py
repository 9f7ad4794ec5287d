"""How the OpenAPI schema documents the API's errors (DESIGN section 4).

Every error is `{"error": "<sentence>", "code": "<CODE>", ...}`. The errors any endpoint
can give follow from what it is, so `AutoSchema` adds them to every operation:

- 400 VALIDATION_ERROR (with `fields`) where the operation reads a body, a query or a header;
- 401 UNAUTHORIZED and 403 FORBIDDEN (a role, or CSRF on a cookie session) unless it is public;
- 404 NOT_FOUND where the path names an object, the X-Organization header an organization,
  or the `page` query a page;
- 415 UNSUPPORTED_MEDIA_TYPE where it reads a body.

The errors only some endpoints give (402, 409, 422, 429, 502 ...) are declared on the view
with `error_responses(...)`, next to its success response.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="A sentence for people, in the caller's language.")
    code = serializers.CharField(help_text="A stable code for programs, e.g. NOT_FOUND.")


class ValidationErrorSerializer(ErrorSerializer):
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text='The messages per input field: {"premise": ["This field is required."]}.',
    )


class NoCreditsErrorSerializer(ErrorSerializer):
    remainingCredits = serializers.IntegerField()  # noqa: N815 - the API's field names
    creditsNeeded = serializers.IntegerField(required=False)  # noqa: N815
    upgradeUrl = serializers.CharField(required=False, help_text="Where to buy credits.")  # noqa: N815


class ForbiddenErrorSerializer(ErrorSerializer):
    upgradeUrl = serializers.CharField(  # noqa: N815
        required=False, help_text="With TRIAL_LIMIT: where to buy a plan."
    )
    reason = serializers.ChoiceField(
        choices=["trial_ended", "trial_generations_used"], required=False, help_text="With TRIAL_LIMIT: why."
    )
    trialUsed = serializers.IntegerField(required=False)  # noqa: N815
    trialMax = serializers.IntegerField(required=False)  # noqa: N815
    trialEndedAt = serializers.DateTimeField(required=False)  # noqa: N815


class RateLimitedErrorSerializer(ErrorSerializer):
    retryAfter = serializers.IntegerField(help_text="Seconds; also in the Retry-After header.")  # noqa: N815
    dailyLimit = serializers.IntegerField(required=False, help_text="AI requests per user per 24 h.")  # noqa: N815
    upgradeUrl = serializers.CharField(required=False, help_text="Where to choose a bigger plan.")  # noqa: N815


_ERRORS: dict[int, tuple[type[serializers.Serializer], str]] = {
    400: (ValidationErrorSerializer, "VALIDATION_ERROR: the input is not valid; `fields` says where."),
    401: (ErrorSerializer, "UNAUTHORIZED: no valid session token or session cookie."),
    402: (NoCreditsErrorSerializer, "NO_CREDITS: not enough credits; nothing was charged."),
    403: (ErrorSerializer, "FORBIDDEN: the caller's role does not allow this, or CSRF failed on a cookie session."),
    404: (ErrorSerializer, "NOT_FOUND: no such object in the organization, or no such organization."),
    409: (ErrorSerializer, "IDEMPOTENCY_IN_PROGRESS: a request with this Idempotency-Key is still running."),
    415: (ErrorSerializer, "UNSUPPORTED_MEDIA_TYPE: the body must be application/json, in UTF-8."),
    422: (ErrorSerializer, "IDEMPOTENCY_KEY_REUSED: this Idempotency-Key came with a different body."),
    429: (RateLimitedErrorSerializer, "RATE_LIMITED: the plan's AI requests per 24 h are used; see Retry-After."),
    502: (ErrorSerializer, "GENERATION_FAILED: the AI provider failed; the credits are refunded."),
}

TRIAL_LIMIT = OpenApiResponse(
    ForbiddenErrorSerializer,
    description="TRIAL_LIMIT: the trial is over or its generations are used (see `upgradeUrl`); "
    "SUSPENDED: staff suspended the organization; or FORBIDDEN, as on every endpoint.",
)


def error_response(status: int, description: str | None = None) -> OpenApiResponse:
    serializer, default = _ERRORS[status]
    return OpenApiResponse(serializer, description=description or default)


def error_responses(*statuses: int, **described: str) -> dict[int, OpenApiResponse]:
    """`{402: ..., 429: ...}` for extend_schema(responses=...); `e502="..."` overrides a description."""
    responses = {status: error_response(status) for status in statuses}
    for key, description in described.items():
        status = int(key.removeprefix("e"))
        responses[status] = error_response(status, description)
    return responses


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema plus the errors that follow from what the operation is."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in self._implied_error_statuses():
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(error_response(status), str(status))
        return dict(sorted(responses.items()))

    def _implied_error_statuses(self) -> list[int]:
        statuses = []
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        parameters = self._get_parameters()
        if has_body or parameters:
            statuses.append(400)
        if not self._is_public():
            statuses += [401, 403]
        if any(p["in"] == "path" or p["name"] in ("X-Organization", "page") for p in parameters):
            statuses.append(404)
        if has_body:
            statuses.append(415)
        return statuses

    def _is_public(self) -> bool:
        return any(permission is AllowAny for permission in self.view.permission_classes)
