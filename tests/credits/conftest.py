import pytest

from accounts.services import organization_create

from ..factories import UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True)


@pytest.fixture
def team(db):
    """A new non-personal organization, opened the way accounts opens one: balance 0, no ledger."""
    owner = UserFactory()
    return organization_create(owner=owner, name="Team")
