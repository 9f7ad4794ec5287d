"""Checkout through the real midtransclient and xendit-python, against the local stub gateway."""

import base64

import pytest

from billing.models import Order

from .conftest import MIDTRANS_KEY, order_make
from .test_checkout_api import CHECKOUT


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


@pytest.mark.django_db
def test_midtrans_checkout_sends_a_snap_transaction_and_returns_its_redirect(midtrans, owner_api, owner, settings):
    settings.SITE_URL = "https://modo.example.com"

    response = owner_api.post(CHECKOUT, {"item": "plan:premium", "gateway": "midtrans"}, format="json")

    assert response.status_code == 201
    order = Order.objects.get(order_id=response.json()["order_id"])
    assert response.json()["redirect_url"] == f"{midtrans.url}/snap/v4/redirection/snap-{order.order_id}"
    assert order.gateway_reference == f"snap-{order.order_id}"
    [sent] = midtrans.sent("POST", "/snap/v1/transactions")
    assert sent.headers["authorization"] == basic(MIDTRANS_KEY)
    assert sent.headers["content-type"] == "application/json"
    assert sent.body == {
        "transaction_details": {"order_id": order.order_id, "gross_amount": 99000},
        "item_details": [{"id": "plan:premium", "price": 99000, "quantity": 1, "name": "Premium"}],
        "customer_details": {"first_name": owner.name[:50], "email": "owner@example.com"},
        "callbacks": {"finish": f"https://modo.example.com/billing/?order={order.order_id}"},
    }


@pytest.mark.django_db
def test_xendit_checkout_creates_an_invoice_and_returns_its_url(xendit, owner_api, settings):
    settings.SITE_URL = "https://modo.example.com"

    response = owner_api.post(CHECKOUT, {"item": "pack:credits-500", "gateway": "xendit"}, format="json")

    assert response.status_code == 201
    order = Order.objects.get(order_id=response.json()["order_id"])
    assert response.json()["redirect_url"] == f"{xendit.url}/web/invoices/inv-{order.order_id}"
    assert order.gateway_reference == f"inv-{order.order_id}"
    [sent] = xendit.sent("POST", "/v2/invoices")
    assert sent.headers["authorization"] == basic("xnd_development_test_key")
    finish = f"https://modo.example.com/billing/?order={order.order_id}"
    assert sent.body == {
        "external_id": order.order_id,
        "amount": 199000.0,
        "payer_email": "owner@example.com",
        "description": "500 credits + 50 bonus",
        "invoice_duration": 86400.0,
        "success_redirect_url": finish,
        "failure_redirect_url": finish,
        "currency": "IDR",
    }


@pytest.mark.django_db
def test_a_gateway_that_fails_answers_502_and_fails_the_order(midtrans, owner_api):
    midtrans.failing = True

    response = owner_api.post(CHECKOUT, {"item": "plan:pro", "gateway": "midtrans"}, format="json")

    assert response.status_code == 502
    assert response.json()["code"] == "GATEWAY_UNAVAILABLE"
    assert Order.objects.get().status == Order.Status.FAILED


@pytest.mark.django_db
def test_a_gateway_that_cannot_be_reached_answers_502(midtrans, owner_api, settings):
    settings.MIDTRANS_SNAP_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens

    response = owner_api.post(CHECKOUT, {"item": "plan:pro", "gateway": "midtrans"}, format="json")

    assert response.status_code == 502


@pytest.mark.django_db
def test_both_gateways_are_offered_when_both_are_configured(midtrans, xendit, owner_api):
    for gateway in ("midtrans", "xendit", "dev"):
        response = owner_api.post(CHECKOUT, {"item": "plan:pro", "gateway": gateway}, format="json")
        assert response.status_code == 201, gateway


@pytest.mark.django_db
def test_the_midtrans_status_api_is_asked_for_the_order(midtrans, organization):
    from billing.gateways.midtrans import MidtransGateway

    order = order_make(organization)
    midtrans.midtrans_status_set(order.order_id, "settlement", "49000.00")

    status = MidtransGateway().fetch_status(order=order)

    assert (status.status, status.amount) == ("paid", "49000.00")
    [sent] = midtrans.sent("GET", f"/v2/{order.order_id}/status")
    assert sent.headers["authorization"] == basic(MIDTRANS_KEY)


@pytest.mark.django_db
def test_the_xendit_invoice_is_looked_up_by_external_id(xendit, organization):
    from billing.gateways.xendit import XenditGateway

    order = order_make(organization, gateway="xendit")
    xendit.xendit_invoices[order.order_id] = {
        "id": "inv-1",
        "external_id": order.order_id,
        "status": "PAID",
        "amount": 49000,
    }

    status = XenditGateway().fetch_status(order=order)

    assert (status.status, status.amount, status.reference) == ("paid", "49000", "inv-1")
    [sent] = xendit.sent("GET", "/v2/invoices")
    assert f"external_id={order.order_id}" in sent.path
