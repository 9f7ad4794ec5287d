"""The `subscription` section of GET /api/me (registered in BillingConfig.ready)."""

from accounts.models import Membership

from ..selectors import subscription_state_get


def subscription_me_section(membership: Membership) -> dict:
    state = subscription_state_get(organization=membership.organization)
    return {"tier": state.tier, "status": state.status, "current_period_end": state.current_period_end}
