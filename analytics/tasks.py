"""Beat task of the daily rollups (scheduled in settings.CELERY_BEAT_SCHEDULE["analytics-rollup"])."""

from celery import shared_task

from .services import rollup_refresh


@shared_task
def analytics_rollup() -> dict:
    """Every ANALYTICS_ROLLUP_MINUTES: recompute the recent days and those with new refunds."""
    result = rollup_refresh()
    return {"days": [day.isoformat() for day in result.days]}
