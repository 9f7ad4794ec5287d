"""The `credits` and `trial` sections of GET /api/me (registered in CreditsConfig.ready)."""

from accounts.models import Membership

from ..selectors import credits_summary_get, trial_summary_get
from ..services.low_balance import credits_low


def credits_me_section(membership: Membership) -> dict:
    credits = credits_summary_get(organization=membership.organization)
    return {
        "balance": credits.balance,
        "bonus_balance": credits.bonus_balance,
        "total": credits.total,
        "low": credits_low(credits.total),
    }


def trial_me_section(membership: Membership) -> dict:
    trial = trial_summary_get(user=membership.user, organization=membership.organization)
    return {"used": trial.used, "max": trial.max, "ends_at": trial.ends_at, "active": trial.active}
