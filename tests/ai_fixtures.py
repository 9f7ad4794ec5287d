"""What the suites that generate share: the offline `local` provider with tiny media, and a paid
organization (billing's paid-plan hook, registered as billing does)."""

import pytest

from credits.hooks import register_paid_plan_check, unregister_paid_plan_check

from .credits.balances import fund


def offline_ai(settings, media_root=None) -> None:
    """No provider keys (everything on local), tiny media, fast retries, files in media_root
    (None: where the settings already put them); room for more than the trial's 2 AI requests
    a day (the trial's generation limit, TRIAL_MAX_GENERATIONS, is what tests exercise)."""
    settings.AI_PROVIDER_KEYS = {name: "" for name in settings.AI_PROVIDER_KEYS}
    settings.AI_LOCAL_IMAGE_SIZE = "96x54"
    settings.AI_LOCAL_VIDEO_SIZE = "96x54"
    settings.AI_LOCAL_VIDEO_SECONDS_PER_BEAT = 1.0
    settings.AI_LOCAL_VIDEO_FPS = 8
    settings.AI_PROVIDER_BACKOFF_SECONDS = 0.01
    settings.AI_TASK_BACKOFF_SECONDS = 0.01
    if media_root is not None:
        settings.MEDIA_ROOT = str(media_root)
    settings.TRIAL_DAILY_REQUESTS = 100


@pytest.fixture
def paid(organization):
    """The organization is on a paid plan: no trial slots in the way."""

    def check(org):
        return org.pk == organization.pk

    register_paid_plan_check(check)
    yield organization
    unregister_paid_plan_check(check)


@pytest.fixture
def funded(organization):
    fund(organization, main=1000)
    return organization
