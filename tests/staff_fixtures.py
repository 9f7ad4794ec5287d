"""Fixtures shared by the staff-side suites (abuse, audit): local AI, a paid organization, a superuser."""

import pytest

from .ai_fixtures import offline_ai, paid  # noqa: F401
from .credits.balances import fund
from .factories import UserFactory


@pytest.fixture(autouse=True)
def _ai_settings(settings, tmp_path):
    """Local AI, tiny media, staff alerts on."""
    offline_ai(settings, tmp_path / "media")
    settings.STAFF_ALERT_EMAILS = ["alerts@modo.example"]


@pytest.fixture
def funded(paid):  # noqa: F811 - the `paid` fixture, imported above
    """Paid and funded: the staff suites act on a paying customer."""
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
