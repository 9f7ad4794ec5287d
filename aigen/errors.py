"""aigen's application errors; core.api renders them as the JSON error shape."""

from core.errors import ApplicationError


class GenerationFailed(ApplicationError):
    """502: the provider(s) failed; the credits are already refunded."""

    status_code = 502
    code = "GENERATION_FAILED"


class RateLimited(ApplicationError):
    """429; the API answers it with `headers` (Retry-After, X-RateLimit-*)."""

    status_code = 429
    code = "RATE_LIMITED"
    headers: dict[str, str] = {}
