"""POST /api/billing/checkout, GET /api/billing/plans, GET /api/billing/orders/{order_id}."""

import pytest
from rest_framework.test import APIClient

from billing.models import Order

from .conftest import order_make

CHECKOUT = "/api/billing/checkout"


def client_for(user, organization) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_X_ORGANIZATION=str(organization.id))
    return client


@pytest.mark.django_db
def test_plans_lists_the_paid_plans_and_the_packs_in_idr(owner_api):
    response = owner_api.get("/api/billing/plans")

    assert response.status_code == 200
    assert response.json() == {
        "plans": [
            {"code": "premium", "name": "Premium", "price_idr": 99000, "credits": 300, "daily_limit": 100},
            {"code": "pro", "name": "Pro", "price_idr": 249000, "credits": 1000, "daily_limit": 500},
            {"code": "unlimited", "name": "Unlimited", "price_idr": 799000, "credits": 5000, "daily_limit": 2000},
        ],
        "packs": [
            {"code": "credits-100", "name": "100 credits", "price_idr": 49000, "credits": 100, "bonus_credits": 0},
            {
                "code": "credits-500",
                "name": "500 credits + 50 bonus",
                "price_idr": 199000,
                "credits": 500,
                "bonus_credits": 50,
            },
        ],
    }


@pytest.mark.django_db
def test_checkout_with_the_dev_gateway_makes_a_pending_order_and_its_checkout_page(owner_api, organization, owner):
    response = owner_api.post(CHECKOUT, {"item": "plan:premium", "gateway": "dev"}, format="json")

    assert response.status_code == 201
    order = Order.objects.get(order_id=response.json()["order_id"])
    assert response.json()["redirect_url"] == f"/billing/dev-checkout/{order.order_id}/"
    assert (order.organization, order.user, order.amount, order.status) == (organization, owner, 99000, "pending")
    assert order.plan.code == "premium" and order.credits == 300


@pytest.mark.django_db
def test_an_admin_cannot_buy_only_owners_manage_billing(admin_user, organization):
    response = client_for(admin_user, organization).post(
        CHECKOUT, {"item": "pack:credits-100", "gateway": "dev"}, format="json"
    )

    assert response.status_code == 403
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_member_gets_a_clear_403(member, organization):
    response = client_for(member, organization).post(
        CHECKOUT, {"item": "pack:credits-100", "gateway": "dev"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert "Only owners" in response.json()["error"]
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "item", ["plan:trial", "plan:gold", "pack:nope", "premium", "", None, 42, ["plan:pro"], "plan:"]
)
def test_an_unknown_item_is_a_validation_error(owner_api, item):
    response = owner_api.post(CHECKOUT, {"item": item, "gateway": "dev"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert "item" in response.json()["fields"]
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["paypal", "", None, 1, "midtrans", "xendit"])
def test_an_unknown_or_unconfigured_gateway_is_a_validation_error(owner_api, gateway):
    response = owner_api.post(CHECKOUT, {"item": "plan:pro", "gateway": gateway}, format="json")

    assert response.status_code == 400
    assert "gateway" in response.json()["fields"]


@pytest.mark.django_db
def test_the_dev_gateway_is_off_once_it_is_switched_off(owner_api, settings):
    settings.BILLING_DEV_GATEWAY = False

    response = owner_api.post(CHECKOUT, {"item": "plan:pro", "gateway": "dev"}, format="json")

    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"item": "plan:pro", '])
def test_a_body_that_is_not_a_json_object_is_a_clear_400(owner_api, body):
    response = owner_api.generic("POST", CHECKOUT, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


@pytest.mark.django_db
def test_anonymous_callers_get_401(api_client):
    assert api_client.post(CHECKOUT, {}, format="json").status_code == 401
    assert api_client.get("/api/billing/plans").status_code == 401


@pytest.mark.django_db
def test_an_order_reads_as_the_design_says(owner_api, organization):
    order = order_make(organization, item="pack:credits-500", gateway="dev")

    response = owner_api.get(f"/api/billing/orders/{order.order_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["order_id"] == order.order_id
    assert (body["item"], body["amount"], body["gateway"], body["status"], body["paid_at"]) == (
        "pack:credits-500",
        199000,
        "dev",
        "pending",
        None,
    )


@pytest.mark.django_db
def test_it_hides_other_organizations(owner_api, other_organization):
    theirs = order_make(other_organization, gateway="dev")

    response = owner_api.get(f"/api/billing/orders/{theirs.order_id}")

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


@pytest.mark.django_db
def test_an_unknown_order_id_is_404(owner_api):
    assert owner_api.get("/api/billing/orders/MODO-NOPE").status_code == 404


def test_the_catalogue_speaks_the_callers_language(owner_api):
    plans = owner_api.get("/api/billing/plans", HTTP_ACCEPT_LANGUAGE="id").json()

    names = {offer["code"]: offer["name"] for offer in plans["plans"] + plans["packs"]}
    assert names["unlimited"] == "Tanpa Batas" and names["credits-500"] == "500 kredit + 50 bonus"
    english = owner_api.get("/api/billing/plans", HTTP_ACCEPT_LANGUAGE="en").json()
    assert {offer["name"] for offer in english["packs"]} == {"100 credits", "500 credits + 50 bonus"}
