import importlib

import pytest
from django.apps import apps
from django.core.cache import caches
from rest_framework.test import APIClient

from accounts.models import Membership, Organization

from .factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Each test starts with an empty Redis (rate limits, sessions) and isolated media."""
    for alias in settings.CACHES:
        caches[alias].clear()
    yield


@pytest.fixture(autouse=True)
def _catalogue(request):
    """The plans and packs seeded by billing's data migration. A transactional test (anywhere
    in the suite) flushes the database, those rows included, so they are seeded again."""
    if request.node.get_closest_marker("django_db") is None:
        if "db" not in request.fixturenames:
            return
        request.getfixturevalue("db")  # a test that asks for the database through a fixture
    importlib.import_module("billing.migrations.0002_seed_plans_and_packs").seed(apps, None)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def organization(db) -> Organization:
    return OrganizationFactory()


@pytest.fixture
def owner(organization):
    user = UserFactory(email="owner@example.com")
    MembershipFactory(user=user, organization=organization, role=Membership.Role.OWNER)
    return user


@pytest.fixture
def member(organization):
    user = UserFactory(email="member@example.com")
    MembershipFactory(user=user, organization=organization, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.com")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def owner_api(owner, organization) -> APIClient:
    """The owner, signed in, acting for the shared organization."""
    client = APIClient()
    client.force_authenticate(owner)
    client.credentials(HTTP_X_ORGANIZATION=str(organization.id))
    return client
