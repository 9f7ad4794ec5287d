import pytest
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
