"""The ledger's application errors; core.api renders them as the JSON error shape."""

from core.errors import ApplicationError, Forbidden


class NoCredits(ApplicationError):
    """402 NO_CREDITS, with `remainingCredits` (the organization's total) in the body."""

    status_code = 402
    code = "NO_CREDITS"


class TrialLimitReached(Forbidden):
    """403 TRIAL_LIMIT: the trial is over or its generations are used; `upgradeUrl` says where to go."""

    code = "TRIAL_LIMIT"


class IdempotencyKeyReused(ApplicationError):
    status_code = 422
    code = "IDEMPOTENCY_KEY_REUSED"


class IdempotencyInProgress(ApplicationError):
    status_code = 409
    code = "IDEMPOTENCY_IN_PROGRESS"
