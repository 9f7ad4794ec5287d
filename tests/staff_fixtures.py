"""Fixtures shared by the staff-side suites (abuse, audit): local AI, a paid organization, a superuser."""

import pytest

from credits.hooks import register_paid_plan_check, unregister_paid_plan_check

from .credits.balances import fund
from .factories import UserFactory


@pytest.fixture(autouse=True)
def _ai_settings(settings, tmp_path):
    """No provider keys (everything on local), tiny media, isolated files, staff alerts on."""
    settings.AI_PROVIDER_KEYS = {name: "" for name in settings.AI_PROVIDER_KEYS}
    settings.AI_LOCAL_IMAGE_SIZE = "96x54"
    settings.AI_LOCAL_VIDEO_SIZE = "96x54"
    settings.AI_LOCAL_VIDEO_SECONDS_PER_BEAT = 1.0
    settings.AI_LOCAL_VIDEO_FPS = 8
    settings.AI_PROVIDER_BACKOFF_SECONDS = 0.01
    settings.AI_TASK_BACKOFF_SECONDS = 0.01
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TRIAL_DAILY_REQUESTS = 100
    settings.STAFF_ALERT_EMAILS = ["alerts@modo.example"]


@pytest.fixture
def paid(organization):
    """The organization is on a paid plan: no trial slots in the way."""

    def check(org):
        return org.pk == organization.pk

    register_paid_plan_check(check)
    yield organization
    unregister_paid_plan_check(check)


@pytest.fixture
def funded(paid):
    fund(paid, main=1000)
    return paid


@pytest.fixture
def superuser(db):
    user = UserFactory(email="boss@example.com", is_staff=True)
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
