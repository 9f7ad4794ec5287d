"""Turning automatic renewal on from the pages: the card form tokenises in the browser and
posts only the token id; the server takes exactly that and refuses anything else."""

import base64
import json
import re

import pytest
from rest_framework.test import APIClient

from billing.models import Subscription

from .conftest import XENDIT_SECRET_KEY, XENDIT_TOKEN, post_raw
from .test_auto_renewal import paid_plan
from .test_dev_gateway import signed_in

DEV_TOKEN = "dev-tok-" + "0123456789abcdef" * 2


def current(organization) -> Subscription:
    return Subscription.objects.get(organization=organization, status="active")


@pytest.mark.django_db
def test_the_billing_page_leads_to_a_card_form_whose_card_fields_are_never_posted(owner, organization):
    paid_plan(organization)
    client = signed_in(owner, organization)

    billing = client.get("/billing/").content.decode()
    assert 'href="/billing/auto-renewal/?gateway=dev"' in billing
    page = client.get("/billing/auto-renewal/?gateway=dev")

    html = page.content.decode()
    assert page.status_code == 200
    start = html.index('<form method="post" action="/billing/auto-renewal/"')
    form = html[start : html.index("</form>", start)]
    assert re.findall(r'name="([^"]+)"', form) == ["csrfmiddlewaretoken", "gateway", "payment_token"]
    assert 'id="card-number"' in form and 'autocomplete="cc-number"' in form
    assert "/static/js/auto-renewal.js" in html


@pytest.mark.django_db
def test_posting_the_dev_token_turns_automatic_renewal_on(owner, organization):
    paid_plan(organization)
    client = signed_in(owner, organization)

    answer = client.post("/billing/auto-renewal/", {"gateway": "dev", "payment_token": DEV_TOKEN}, follow=True)

    assert answer.redirect_chain == [("/billing/", 302)]
    assert "Automatic renewal is on" in answer.content.decode()
    subscription = current(organization)
    assert (subscription.renewal_mode, subscription.auto_renewal_gateway) == ("auto", "dev")


@pytest.mark.django_db
def test_the_midtrans_form_loads_midtrans_js_with_the_client_key(owner, organization, midtrans):
    paid_plan(organization)

    html = signed_in(owner, organization).get("/billing/auto-renewal/?gateway=midtrans").content.decode()

    assert 'src="https://api.sandbox.midtrans.com/v2/assets/js/midtrans-new-3ds.min.js"' in html
    assert 'data-client-key="SB-Mid-client-test-key"' in html
    assert "card check of Rp" in html  # the owner is told about the 3DS check before it happens


@pytest.mark.django_db
@pytest.mark.parametrize(
    "post",
    [
        {"gateway": "dev", "payment_token": ""},
        {"gateway": "dev", "payment_token": "4811111111111114"},
        {"gateway": "dev", "payment_token": "dev-tok-xyz"},
        {"gateway": "dev", "payment_token": DEV_TOKEN, "card_number": "4811111111111114"},
        {"gateway": "dev", "payment_token": DEV_TOKEN, "card_cvv": "123"},
        {"gateway": "dev"},
    ],
)
def test_anything_but_a_well_formed_token_is_a_400_and_changes_nothing(owner, organization, post):
    paid_plan(organization)

    answer = signed_in(owner, organization).post("/billing/auto-renewal/", post)

    assert answer.status_code == 400
    assert 'role="alert"' in answer.content.decode() or "alert-error" in answer.content.decode()
    assert current(organization).renewal_mode == "manual"


@pytest.mark.django_db
def test_an_unknown_gateway_is_a_404(owner, organization):
    paid_plan(organization)
    client = signed_in(owner, organization)

    assert client.get("/billing/auto-renewal/?gateway=paypal").status_code == 404
    assert (
        client.post("/billing/auto-renewal/", {"gateway": "xendit", "payment_token": "cust-1/pm-1"}).status_code == 404
    )


@pytest.mark.django_db
def test_a_member_cannot_turn_it_on(organization, member):
    paid_plan(organization)

    answer = signed_in(member, organization).post(
        "/billing/auto-renewal/", {"gateway": "dev", "payment_token": DEV_TOKEN}
    )

    assert answer.status_code == 403
    assert current(organization).renewal_mode == "manual"


def plan_activated(plan_id: str) -> bytes:
    return json.dumps(
        {
            "event": "recurring.plan.activated",
            "business_id": "biz-stub",
            "created": "2026-11-27T00:05:00.000Z",
            "data": {"id": plan_id, "customer_id": "cust-1", "status": "ACTIVE", "currency": "IDR", "amount": 99000},
        }
    ).encode()


def xendit_webhook(body: bytes):
    return post_raw(APIClient(), "/api/webhooks/xendit", body, HTTP_X_CALLBACK_TOKEN=XENDIT_TOKEN)


@pytest.mark.django_db
def test_xendit_links_the_payment_method_on_its_page_and_renewal_turns_on_when_xendit_confirms(
    owner, organization, xendit
):
    paid_plan(organization)
    client = signed_in(owner, organization)

    answer = client.post("/billing/auto-renewal/", {"gateway": "xendit"})

    assert answer.status_code == 302 and answer["Location"] == f"{xendit.url}/linking/repl-1"
    [customer] = xendit.sent("POST", "/customers")
    assert (customer.body["type"], customer.body["email"]) == ("INDIVIDUAL", "owner@example.com")
    assert customer.headers["authorization"] == "Basic " + base64.b64encode(f"{XENDIT_SECRET_KEY}:".encode()).decode()
    [plan] = xendit.sent("POST", "/recurring/plans")
    assert (plan.body["customer_id"], plan.body["payment_methods"]) == ("cust-1", [])
    assert plan.body["success_return_url"].endswith("/billing/?auto_renewal=linking")
    assert (current(organization).renewal_mode, current(organization).auto_renewal_reference) == ("manual", "repl-1")

    assert xendit_webhook(plan_activated("repl-1")).json()["verdict"] == "ignored"  # not linked yet at Xendit
    assert current(organization).renewal_mode == "manual"
    xendit.xendit_plan_linked("repl-1")
    assert xendit_webhook(plan_activated("repl-1")).json()["verdict"] == "processed"
    assert current(organization).renewal_mode == "auto"


@pytest.mark.django_db
def test_a_replayed_activation_after_turning_it_off_changes_nothing(owner, owner_api, organization, xendit):
    paid_plan(organization)
    signed_in(owner, organization).post("/billing/auto-renewal/", {"gateway": "xendit"})
    xendit.xendit_plan_linked("repl-1")
    xendit_webhook(plan_activated("repl-1"))
    assert owner_api.delete("/api/billing/subscription/auto-renewal").status_code == 200

    answer = xendit_webhook(plan_activated("repl-1"))

    assert answer.status_code == 200
    assert current(organization).renewal_mode == "manual"


@pytest.mark.django_db
def test_xendit_takes_no_token_from_the_page(owner, organization, xendit):
    paid_plan(organization)

    answer = signed_in(owner, organization).post(
        "/billing/auto-renewal/", {"gateway": "xendit", "payment_token": "cust-1/pm-1"}
    )

    assert answer.status_code == 400
    assert xendit.requests == []
