"""An owner turns automatic renewal on from the billing page: the card typed in the form is
turned into a token in the browser (the dev gateway's offline tokeniser) and only the token
reaches MODO."""

from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from billing.models import Subscription

from ..billing.test_auto_renewal import paid_plan
from .steps import flash, log_in, path_is

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_card_form_posts_a_token_and_never_the_card(page, shots, person):
    organization = person.memberships.get().organization
    paid_plan(organization)
    posted: list[dict] = []
    page.on(
        "request",
        lambda request: (
            posted.append(parse_qs(request.post_data or ""))
            if request.method == "POST" and request.url.endswith("/billing/auto-renewal/")
            else None
        ),
    )
    page.goto("/login/?next=/billing/")
    log_in(page, email=person.email, password=person.plain_password)

    page.get_by_role("link", name="Renew automatically with the dev gateway").click()
    page.get_by_label("Card number").fill("4811 1111 1111 1114")
    page.get_by_label("Expiry month (MM)").fill("12")
    page.get_by_label("Expiry year (YYYY)").fill("2030")
    page.get_by_label("CVV").fill("123")
    shots("card-form")
    page.get_by_role("button", name="Renew automatically").click()

    expect(page).to_have_url(path_is("/billing/"))
    expect(flash(page)).to_contain_text("Automatic renewal is on")
    [form] = posted
    assert sorted(form) == ["csrfmiddlewaretoken", "gateway", "payment_token"]
    assert form["payment_token"][0].startswith("dev-tok-")
    assert "4811" not in str(form)
    subscription = Subscription.objects.get(organization=organization, status="active")
    assert (subscription.renewal_mode, subscription.auto_renewal_gateway) == ("auto", "dev")
