"""Per-user AI rate limit by tier, with django-ratelimit on the cache (Redis in production).

The limit is credits.hooks.organization_tier(org).daily_limit requests per user per 24 h,
counted per (user, organization): a user's limit follows the plan of the organization they
act for. django-ratelimit counts with cache.add + cache.incr, atomic on Redis.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from credits.hooks import organization_tier

from .errors import RateLimited

WINDOW = "24h"


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining)}


def ai_rate_limit_take(*, request, organization) -> RateLimitState | None:
    """Count one AI request; raise RateLimited (429) past the tier's daily limit."""
    if not settings.AI_RATE_LIMIT_ENABLED:
        return None
    limit = organization_tier(organization).daily_limit
    usage = get_usage(
        request,
        group="aigen",
        key=lambda group, req: f"{req.user.pk}:{organization.pk}",
        rate=f"{limit}/{WINDOW}",
        increment=True,
    )
    state = RateLimitState(
        limit=limit, remaining=max(0, limit - usage["count"]), retry_after=max(1, int(usage["time_left"]))
    )
    if usage["should_limit"]:
        error = RateLimited(
            _("Too many AI requests: %(limit)d per 24 hours on your plan. Try again later.") % {"limit": limit},
            retryAfter=state.retry_after,
        )
        error.headers = {**state.headers(), "Retry-After": str(state.retry_after)}
        raise error
    return state
