"""What higher apps tell the ledger at start-up, without credits importing them.

billing (a later issue) registers a check that says whether an organization has a paid
plan; such an organization is not on trial. Until something registers, nobody is paid, and
every user is on their trial until it ends.
"""

from collections.abc import Callable

from accounts.models import Organization

PaidPlanCheck = Callable[[Organization], bool]

_paid_plan_checks: list[PaidPlanCheck] = []


def register_paid_plan_check(check: PaidPlanCheck) -> None:
    """Call from an AppConfig.ready(); registering the same function twice keeps one."""
    if check not in _paid_plan_checks:
        _paid_plan_checks.append(check)


def unregister_paid_plan_check(check: PaidPlanCheck) -> None:
    if check in _paid_plan_checks:
        _paid_plan_checks.remove(check)


def organization_has_paid_plan(organization: Organization) -> bool:
    return any(check(organization) for check in _paid_plan_checks)
