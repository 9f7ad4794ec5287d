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


class ProvidersUnavailable(ApplicationError):
    """503 before any charge: no provider may serve this kind and quality (no real provider has
    a key and the placeholder provider is off)."""

    status_code = 503
    code = "AI_UNAVAILABLE"


class QueueUnavailable(ApplicationError):
    """503: the job was charged but could not be queued; it is already failed and refunded."""

    status_code = 503
    code = "QUEUE_UNAVAILABLE"
