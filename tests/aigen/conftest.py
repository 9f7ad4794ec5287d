import pytest

from credits.hooks import register_paid_plan_check, unregister_paid_plan_check

from ..credits.balances import fund


@pytest.fixture(autouse=True)
def _ai_settings(settings, tmp_path):
    """No provider keys (everything on local), tiny media, fast retries, isolated files."""
    settings.AI_PROVIDER_KEYS = {name: "" for name in settings.AI_PROVIDER_KEYS}
    settings.AI_LOCAL_IMAGE_SIZE = "96x54"
    settings.AI_LOCAL_VIDEO_SIZE = "96x54"
    settings.AI_LOCAL_VIDEO_SECONDS_PER_BEAT = 1.0
    settings.AI_LOCAL_VIDEO_FPS = 8
    settings.AI_PROVIDER_BACKOFF_SECONDS = 0.01
    settings.AI_TASK_BACKOFF_SECONDS = 0.01
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TRIAL_DAILY_REQUESTS = 100


@pytest.fixture
def paid(organization):
    """The organization is on a paid plan (billing's hook, registered as billing will)."""

    def check(org):
        return org.pk == organization.pk

    register_paid_plan_check(check)
    yield organization
    unregister_paid_plan_check(check)


@pytest.fixture
def funded(organization):
    fund(organization, main=1000)
    return organization
