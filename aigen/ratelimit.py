"""Per-user AI rate limit by tier, with django-ratelimit on the cache (Redis in production).

The limit is credits.hooks.organization_tier(org).daily_limit requests per user per 24 h,
counted per (user, organization): a user's limit follows the plan of the organization they
act for. On Redis one Lua script counts (INCR, and the window's expiry on a new key) in one
round trip, under the key django-ratelimit itself would use; on any other cache
django-ratelimit's get_usage counts (cache.add + cache.incr).
"""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import EXPIRATION_FUDGE, _get_window, _make_cache_key, _split_rate, get_usage

from credits.hooks import Tier, organization_tier

from .errors import RateLimited

WINDOW = "24h"
GROUP = "aigen"

# django-ratelimit counts with cache.add, then cache.incr: two Redis round trips. This script
# does the same to the same key (INCR; a new key gets the window's expiry) in one.
_TAKE = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_scripts: dict[int, object] = {}


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining)}


def ai_rate_limit_take(*, request, organization, tier: Tier | None = None) -> RateLimitState | None:
    """Count one AI request; raise RateLimited (429) past the tier's daily limit.

    `tier`: the organization's, when the caller has already looked it up.
    """
    if not settings.AI_RATE_LIMIT_ENABLED:
        return None
    limit = (tier or organization_tier(organization)).daily_limit
    key = f"{request.user.pk}:{organization.pk}"
    usage = _usage_take_on_redis(key=key, limit=limit)
    if usage is None:
        usage = get_usage(request, group=GROUP, key=lambda group, req: key, rate=f"{limit}/{WINDOW}", increment=True)
    state = RateLimitState(
        limit=limit, remaining=max(0, limit - usage["count"]), retry_after=max(1, int(usage["time_left"]))
    )
    if usage["should_limit"]:
        again = timezone.localtime() + timedelta(seconds=state.retry_after)
        error = RateLimited(
            _(
                "Daily limit reached: %(limit)d AI requests per 24 hours on your plan. Try again after %(when)s, "
                "or choose a bigger plan at /billing/."
            )
            % {"limit": limit, "when": date_format(again, "SHORT_DATETIME_FORMAT")},
            retryAfter=state.retry_after,
            dailyLimit=limit,
            upgradeUrl="/billing/",
        )
        error.headers = {**state.headers(), "Retry-After": str(state.retry_after)}
        raise error
    return state


def ai_rate_limit_give_back(*, request, organization, tier: Tier | None = None) -> None:
    """Uncount one request that was refused for its trial or its credits after it was counted:
    waiting would not have helped it, so it does not use up the day's requests."""
    if not settings.AI_RATE_LIMIT_ENABLED:
        return
    limit = (tier or organization_tier(organization)).daily_limit
    rate = f"{limit}/{WINDOW}"
    key = f"{request.user.pk}:{organization.pk}"
    cache_key = _make_cache_key(GROUP, _get_window(key, _split_rate(rate)[1]), rate, key, ALL)
    try:
        if (cache.get(cache_key) or 0) > 0:
            cache.decr(cache_key)
    except ValueError:  # expired in between: nothing left to give back
        pass


def _usage_take_on_redis(*, key: str, limit: int) -> dict | None:
    """get_usage(increment=True)'s answer in one Redis round trip; None when the cache is not
    django-redis (the embedded default's file cache), and get_usage counts instead."""
    try:
        client = cache.client.get_client(write=True)  # django-redis only
    except AttributeError:
        return None
    rate = f"{limit}/{WINDOW}"
    _limit, period = _split_rate(rate)
    window = _get_window(key, period)
    # The key django-ratelimit would use, so both ways count in the same place.
    redis_key = cache.make_key(_make_cache_key(GROUP, window, rate, key, ALL))
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_TAKE)
    count = int(script(keys=[redis_key], args=[period + EXPIRATION_FUDGE]))
    return {"count": count, "limit": limit, "should_limit": count > limit, "time_left": window - int(time.time())}
