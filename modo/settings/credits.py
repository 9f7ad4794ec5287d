"""Credits: the trial and the Idempotency-Key window."""

from .celery import CELERY_BEAT_SCHEDULE
from .env import env

# The trial (DESIGN section 3): bonus credits once for a new personal organization, and per
# user at most TRIAL_MAX_GENERATIONS successful generations until TRIAL_DAYS after signup.
TRIAL_BONUS_CREDITS = env.int("TRIAL_BONUS_CREDITS", default=20)
TRIAL_MAX_GENERATIONS = env.int("TRIAL_MAX_GENERATIONS", default=2)
TRIAL_DAYS = env.int("TRIAL_DAYS", default=7)
TRIAL_DAILY_REQUESTS = env.int("TRIAL_DAILY_REQUESTS", default=2)  # AI requests per user per 24 h on trial
# Idempotency-Key: how long a first response is replayed, and after how long a request
# still "in progress" counts as abandoned (its process died) so the key can be used again.
CREDIT_IDEMPOTENCY_TTL_HOURS = env.int("CREDIT_IDEMPOTENCY_TTL_HOURS", default=24)
CREDIT_IDEMPOTENCY_STALE_SECONDS = env.int("CREDIT_IDEMPOTENCY_STALE_SECONDS", default=600)
# Daily: audit every balance against its ledger (emails staff on drift); purge expired keys.
CELERY_BEAT_SCHEDULE["credits-audit-daily"] = {
    "task": "credits.tasks.credits_audit_daily",
    "schedule": 60 * 60 * 24,
}
CELERY_BEAT_SCHEDULE["credits-idempotency-purge-daily"] = {
    "task": "credits.tasks.idempotency_purge_daily",
    "schedule": 60 * 60 * 24,
}
# Below this many credits (main + bonus) an organization's balance is low: /api/me says
# credits.low, the studio shows a banner, and the owners get one email each time a charge
# crosses it. Default: the price of one fast video beat (AI_CREDITS_VIDEO_FAST).
CREDITS_LOW_BALANCE_THRESHOLD = env.int(
    "CREDITS_LOW_BALANCE_THRESHOLD", default=env.int("AI_CREDITS_VIDEO_FAST", default=30)
)
