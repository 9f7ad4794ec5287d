"""Beat task of the abuse rules (scheduled in settings.CELERY_BEAT_SCHEDULE["abuse-scan"])."""

from celery import shared_task

from .services import abuse_scan as abuse_scan_run


@shared_task
def abuse_scan() -> dict:
    """Every ABUSE_SCAN_MINUTES: flag what the rules find, email staff about new flags."""
    result = abuse_scan_run()
    return {"raised": result.raised, "refreshed": result.refreshed}
