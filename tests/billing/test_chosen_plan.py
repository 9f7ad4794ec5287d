"""The plan chosen on the public page survives signup, email confirmation and sign-in, and
opens its checkout on /billing/."""

import re

import pytest
from django.core import mail
from django.test import Client

from ..factories import PASSWORD


def choose_on_the_public_page(client: Client, plan: str = "pro") -> str:
    home = client.get("/").content.decode()
    link = re.search(rf'href="(/register/\?plan={plan})"', home)
    assert link, "the public page links its plan to signup"
    return link.group(1)


def checkout_of(page: str) -> str:
    return page.split('id="checkout"', 1)[1].split("</section>", 1)[0] if 'id="checkout"' in page else ""


@pytest.mark.django_db
def test_the_chosen_plan_opens_its_checkout_right_after_signup():
    client = Client()
    client.get(choose_on_the_public_page(client))

    signup = client.post("/register/", {"email": "pro@example.org", "password1": PASSWORD})

    assert signup.status_code == 302 and signup["Location"] == "/billing/?plan=pro#checkout"
    checkout = checkout_of(client.get(signup["Location"]).content.decode())
    assert "Checkout: Pro" in checkout and 'value="plan:pro"' in checkout


@pytest.mark.django_db
def test_the_chosen_plan_survives_a_mandatory_email_confirmation(settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    client = Client()
    client.get(choose_on_the_public_page(client))
    client.post("/register/", {"email": "pro@example.org", "password1": PASSWORD})
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)

    client.post(confirm)
    login = client.post("/login/", {"login": "pro@example.org", "password": PASSWORD})

    assert login.status_code == 302 and login["Location"] == "/billing/?plan=pro#checkout"
    assert "Checkout: Pro" in checkout_of(client.get(login["Location"]).content.decode())


@pytest.mark.django_db
def test_an_unknown_plan_is_ignored(client):
    client.get("/register/?plan=gold%00")

    signup = client.post("/register/", {"email": "x@example.org", "password1": PASSWORD})

    assert signup["Location"] == "/dashboard/"
    assert checkout_of(client.get("/billing/?plan=gold").content.decode()) == ""
