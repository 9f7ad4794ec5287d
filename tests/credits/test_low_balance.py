"""Low balance: /api/me says so, the studio shows a banner, owners get one email per crossing."""

import pytest
from django.core import mail

from credits.services.charge import credits_charge

from ..factories import MembershipFactory, UserFactory
from .balances import fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def charge(organization, django_capture_on_commit_callbacks):
    def spend(amount: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            credits_charge(organization=organization, amount=amount, feature="image_fast")

    return spend


def test_me_says_credits_are_low_below_the_threshold(owner_api, organization, settings):
    settings.CREDITS_LOW_BALANCE_THRESHOLD = 30
    fund(organization, main=29)

    credits = owner_api.get("/api/me").json()["credits"]

    assert credits["total"] == 29 and credits["low"] is True


def test_me_says_credits_are_not_low_at_the_threshold(owner_api, organization, settings):
    settings.CREDITS_LOW_BALANCE_THRESHOLD = 30
    fund(organization, main=30)

    assert owner_api.get("/api/me").json()["credits"]["low"] is False


def test_owners_get_one_email_per_crossing_not_one_per_generation(organization, owner, charge, settings):
    settings.CREDITS_LOW_BALANCE_THRESHOLD = 30
    member = UserFactory(email="member@example.com")
    MembershipFactory(user=member, organization=organization, role="member")
    fund(organization, main=40)

    charge(5)  # 35: above
    charge(10)  # 25: crosses
    charge(5)  # 20: still low, no second email

    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert "25 credits left" in mail.outbox[0].body and "/billing/" in mail.outbox[0].body


def test_a_top_up_rearms_the_warning(organization, owner, charge, settings):
    settings.CREDITS_LOW_BALANCE_THRESHOLD = 30
    fund(organization, main=35)
    charge(10)  # 25: first crossing
    fund(organization, main=100)  # 125

    charge(100)  # 25: crosses again

    assert len(mail.outbox) == 2


def test_the_studio_shows_a_banner_linking_to_billing(client, owner, organization, settings):
    settings.CREDITS_LOW_BALANCE_THRESHOLD = 30
    fund(organization, main=12)
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})

    page = client.get("/dashboard/").content.decode()

    assert 'class="alert alert-warning low-balance"' in page and "12 credits left" in page
    assert '<a href="/billing/">Buy credits</a>' in page


def test_no_banner_with_enough_credits(client, owner, organization, settings):
    settings.CREDITS_LOW_BALANCE_THRESHOLD = 30
    fund(organization, main=300)
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})

    assert "low-balance" not in client.get("/dashboard/").content.decode()
