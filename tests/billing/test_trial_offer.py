"""The trial is written down where people choose: what it includes, with its figures, on the
public page and on /billing/ during the trial; a paying organization never reads trial wording."""

import pytest
from django.test import Client

from billing.services.fulfilment import order_status_apply

from ..factories import UserFactory
from .conftest import order_make

OFFER = "The 7-day free trial includes 20 bonus credits and 2 generations: enough for a story and one beat's image."


@pytest.fixture
def newcomer(db):
    return UserFactory(email="newcomer@example.com")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_public_page_says_what_the_trial_includes(db):
    page = Client().get("/").content.decode()

    assert OFFER in page and "A video costs 30 credits a beat and comes with a credit pack or a plan." in page


def test_a_trial_user_reads_the_same_offer_on_billing_and_the_trial_card(newcomer):
    client = signed_in(newcomer)

    assert OFFER in client.get("/billing/").content.decode()
    assert "Free trial" in client.get("/dashboard/").content.decode()


def test_a_paying_organization_never_reads_trial_wording(newcomer):
    organization = newcomer.memberships.get().organization
    order = order_make(organization, item="plan:pro", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=f"{order.amount}.00")
    client = signed_in(newcomer)

    for path in ("/", "/dashboard/", "/billing/"):
        main = client.get(path).content.decode().split("<main", 1)[1].split("</main>", 1)[0]
        now = main.split('aria-labelledby="ledger-title"', 1)[0]  # the ledger's history may name the trial bonus
        assert "trial" not in now.lower(), path
