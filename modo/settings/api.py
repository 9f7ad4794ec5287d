"""The REST API (Django REST framework) and its OpenAPI schema (drf-spectacular)."""

from .env import env

# The edge of /api/ (core.edge): a header longer than this answers 431 JSON. Header sizes the
# web server allows must be larger, so that the application answers rather than the server.
API_MAX_HEADER_LENGTH = env.int("API_MAX_HEADER_LENGTH", default=8192)
# Bodies: Django's limit (2.5 MB by default); a larger declared body answers 413 JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

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
    # Request bodies refuse unknown fields (core.validation): the schema says so.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.validation.request_bodies_closed",
    ],
    "ENUM_NAME_OVERRIDES": {"MembershipRoleEnum": "accounts.models.Membership.Role"},
}
