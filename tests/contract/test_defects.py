"""What the contract run (and the probes around it) found: each answered a 500. One focused
test per defect: a 4xx JSON error or the right answer, and nothing half-written."""

import json

import pytest
from rest_framework.test import APIClient

from billing.models import Order, WebhookEvent
from studio.models import Project

from ..credits.balances import fund

pytestmark = pytest.mark.django_db

XENDIT_TOKEN = "contract-xendit-token"
DEEP_JSON = "[" * 100_000 + "]" * 100_000


def post_raw(path: str, body: bytes | str, **headers):
    return APIClient().post(path, data=body, content_type="application/json", **headers)


def midtrans_notification(**fields) -> str:
    payload = {
        "order_id": "MODO-1",
        "status_code": "200",
        "gross_amount": "49000.00",
        "signature_key": "0" * 128,
        "transaction_status": "settlement",
        **fields,
    }
    return json.dumps(payload)


# --- Webhooks: every delivery is stored, whatever text it carries ---


def test_a_xendit_delivery_of_a_nul_byte_is_refused_and_stored(settings):
    settings.XENDIT_CALLBACK_TOKEN = XENDIT_TOKEN

    response = post_raw("/api/webhooks/xendit", b"\x00")

    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"
    event = WebhookEvent.objects.get()
    assert (event.verdict, event.body) == (WebhookEvent.Verdict.REJECTED, "\ufffd")


def test_a_midtrans_delivery_with_nul_in_its_json_is_refused_and_stored():
    body = midtrans_notification(transaction_status="settle\u0000ment")

    response = post_raw("/api/webhooks/midtrans", body)

    assert response.status_code == 400  # malformed: unprintable text in a field
    assert WebhookEvent.objects.get().payload["transaction_status"] == "settle\ufffdment"


def test_a_midtrans_delivery_with_a_lone_surrogate_is_refused_and_stored():
    body = json.dumps({"order_id": "\ud800", "signature_key": "x"})  # json writes it as "\ud800"

    response = post_raw("/api/webhooks/midtrans", body)

    assert response.status_code == 400
    assert WebhookEvent.objects.get().payload["order_id"] == "\ufffd"


def test_a_midtrans_signature_key_that_is_not_ascii_is_just_wrong():
    response = post_raw("/api/webhooks/midtrans", midtrans_notification(signature_key="é" * 128))

    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_a_midtrans_delivery_with_an_infinite_amount_is_refused_and_stored():
    body = midtrans_notification().replace('"49000.00"', "1e999")  # Python reads 1e999 as Infinity

    response = post_raw("/api/webhooks/midtrans", body)

    assert response.status_code == 400
    assert WebhookEvent.objects.get().payload["gross_amount"] == "inf"


@pytest.mark.parametrize("path", ["/api/webhooks/midtrans", "/api/webhooks/xendit"])
def test_a_webhook_body_nested_too_deep_is_not_json(settings, path):
    settings.XENDIT_CALLBACK_TOKEN = XENDIT_TOKEN

    response = post_raw(path, DEEP_JSON, HTTP_X_CALLBACK_TOKEN=XENDIT_TOKEN)

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_a_verified_xendit_delivery_naming_an_order_with_nul_is_malformed(settings):
    settings.XENDIT_CALLBACK_TOKEN = XENDIT_TOKEN
    body = json.dumps({"external_id": "MODO-\u0000", "status": "PAID", "amount": 49000})

    response = post_raw("/api/webhooks/xendit", body, HTTP_X_CALLBACK_TOKEN=XENDIT_TOKEN)

    assert response.status_code == 400
    assert WebhookEvent.objects.get().verdict == WebhookEvent.Verdict.REJECTED


# --- The API ---


def test_a_json_body_nested_too_deep_is_a_validation_error(owner_api):
    response = owner_api.post("/api/projects/", DEEP_JSON, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert not Project.objects.exists()


def test_an_order_id_with_nul_is_not_found(owner_api):
    response = owner_api.get("/api/billing/orders/MODO-%00")

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_a_project_search_with_nul_still_finds_by_the_other_words(owner_api):
    owner_api.post("/api/projects/", {"title": "Kancil"}, format="json")

    response = owner_api.get("/api/projects/?search=Kancil%00")

    assert response.status_code == 200
    assert [project["title"] for project in response.json()["results"]] == ["Kancil"]


def test_the_ledger_up_to_the_last_day_of_the_calendar_lists_everything(owner_api, organization):
    fund(organization, main=10)

    response = owner_api.get("/api/credits/transactions?from=0001-01-01&to=9999-12-31")

    assert response.status_code == 200
    assert [row["amount"] for row in response.json()["results"]] == [10]


def test_an_invitation_token_with_nul_is_not_found(owner_api):
    response = owner_api.post("/api/invitations/abc%00/accept")

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


@pytest.mark.parametrize("item", ["plan:pro\u0000", "pack:\ud800"])
def test_a_checkout_item_with_unprintable_text_is_unknown(owner_api, item):
    body = json.dumps({"item": item, "gateway": "dev"})  # "\ud800" travels as a JSON escape

    response = owner_api.post("/api/billing/checkout", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["fields"]["item"]
    assert not Order.objects.exists()
