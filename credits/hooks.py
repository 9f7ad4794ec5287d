"""What higher apps tell the ledger at start-up, without credits importing them.

billing (a later issue) registers a check that says whether an organization has a paid
plan; such an organization is not on trial. Until something registers, nobody is paid, and
every user is on their trial until it ends.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from accounts.models import Organization


@dataclass(frozen=True)
class Tier:
    """The plan an organization is on, as the AI rate limiter and /api/me need it."""

    code: str  # trial | premium | pro | unlimited | credits (bought packs, no plan)
    daily_limit: int  # AI requests per user per 24 h
    paid: bool


TierLookup = Callable[[Organization], "Tier | None"]
_tier_lookups: list[TierLookup] = []


def register_tier_lookup(lookup: TierLookup) -> None:
    """billing registers one (reading its cached subscription); the first non-None answer wins."""
    if lookup not in _tier_lookups:
        _tier_lookups.append(lookup)


def organization_tier(organization: Organization) -> Tier:
    for lookup in _tier_lookups:
        tier = lookup(organization)
        if tier is not None:
            return tier
    return Tier(code="trial", daily_limit=settings.TRIAL_DAILY_REQUESTS, paid=False)


PaidPlanCheck = Callable[[Organization], bool]

_paid_plan_checks: list[PaidPlanCheck] = []


def register_paid_plan_check(check: PaidPlanCheck) -> None:
    """Call from an AppConfig.ready(); registering the same function twice keeps one."""
    if check not in _paid_plan_checks:
        _paid_plan_checks.append(check)


def unregister_paid_plan_check(check: PaidPlanCheck) -> None:
    if check in _paid_plan_checks:
        _paid_plan_checks.remove(check)


def organization_has_paid_plan(organization: Organization, tier: Tier | None = None) -> bool:
    """`tier`: the organization's, when the caller has already looked it up (one lookup less)."""
    if tier is not None and tier.paid:
        return True  # known already: the checks need not be asked
    return any(check(organization) for check in _paid_plan_checks) or (tier or organization_tier(organization)).paid
