"""Operations: staff analytics (analytics app)."""

from .celery import CELERY_BEAT_SCHEDULE
from .env import env

# Staff charts under /admin/analytics/. Credit revenue is shown in USD beside provider cost:
# IDR amounts are divided by this rate (IDR for one US dollar; update it now and then).
ANALYTICS_IDR_PER_USD = env.float("ANALYTICS_IDR_PER_USD", default=16_300.0)  # checked: analytics.E001
ANALYTICS_DEFAULT_RANGE_DAYS = env.int("ANALYTICS_DEFAULT_RANGE_DAYS", default=30)
ANALYTICS_MAX_RANGE_DAYS = env.int("ANALYTICS_MAX_RANGE_DAYS", default=366)  # bounds every query's scan
ANALYTICS_TOP_ORGANIZATIONS = env.int("ANALYTICS_TOP_ORGANIZATIONS", default=10)
ANALYTICS_SORT_MEMORY_MB = env.int("ANALYTICS_SORT_MEMORY_MB", default=64)  # work_mem of the p95 query
# The analytics indexes are covering (INCLUDE) on PostgreSQL; SQLite (the embedded default)
# builds them without the extra columns, which is fine there: don't warn about it.
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "models.W040", "models.W039"]
# Daily rollups (analytics/services.py): every ANALYTICS_ROLLUP_MINUTES the beat task
# recomputes the last ANALYTICS_ROLLUP_RECENT_DAYS closed days (refunds come within a job's
# deadline, an hour at most) and any older day with a new refund. A day is closed once it
# ended ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS ago. History: `manage.py analytics_rollup --since`.
ANALYTICS_ROLLUP_MINUTES = env.int("ANALYTICS_ROLLUP_MINUTES", default=10)
ANALYTICS_ROLLUP_RECENT_DAYS = env.int("ANALYTICS_ROLLUP_RECENT_DAYS", default=3)
ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS = env.int("ANALYTICS_ROLLUP_COMMIT_SLACK_SECONDS", default=300)
CELERY_BEAT_SCHEDULE["analytics-rollup"] = {
    "task": "analytics.tasks.analytics_rollup",
    "schedule": 60 * ANALYTICS_ROLLUP_MINUTES,
}
