"""Whether an AI request may go ahead, and if not, its true reason first.

Order: the trial (over, or its generations used: 403 TRIAL_LIMIT) -> the daily rate -> the
credits (402 NO_CREDITS, decided by the charge itself). A request the daily rate would refuse
is first asked whether it lacks credits: then 402 says so, not a 429 whose wait would not
help. A request refused for its trial or its credits after the rate counted it is uncounted:
it does not use up the day's requests. The trial read costs a trial user one query; a paying
organization's hot path is unchanged (the charge and the job in one statement).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from accounts.models import Organization, User
from credits.errors import NoCredits, TrialLimitReached
from credits.hooks import Tier, organization_tier
from credits.selectors import trial_exempt
from credits.services.charge import credits_check_enough
from credits.services.trial import trial_check

from .errors import RateLimited
from .ratelimit import RateLimitState, ai_rate_limit_give_back, ai_rate_limit_take
from .registry import model_entry

KIND_ENTRY = {"story": "text", "image": "image", "video": "video", "animatic": "video"}


def generation_cost(*, kind: str, quality: str, beats: int = 1) -> int:
    """Credits for one request; a video costs its entry's credits per beat (at least one)."""
    return int(model_entry(f"{KIND_ENTRY[kind]}:{quality}")["credits"]) * max(1, beats)


@contextmanager
def generation_admitted(
    *, request, organization: Organization, user: User, credits: int, tier: Tier | None = None
) -> Iterator[RateLimitState | None]:
    """Admit one AI request, or raise the refusal that tells the truth (TrialLimitReached,
    NoCredits, RateLimited). Yields the daily rate's state (None when rate limits are off);
    the generation runs inside, and its trial or credit refusal gives the counted request back."""
    tier = tier or organization_tier(organization)
    if not trial_exempt(organization=organization, tier=tier):
        trial_check(user=user)
    try:
        state = ai_rate_limit_take(request=request, organization=organization, tier=tier)
    except RateLimited:
        credits_check_enough(organization=organization, amount=credits)
        raise
    try:
        yield state
    except (NoCredits, TrialLimitReached):
        ai_rate_limit_give_back(request=request, organization=organization, tier=tier)
        raise
