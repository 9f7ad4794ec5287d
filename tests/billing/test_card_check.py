"""Midtrans card auto-renewal from the page, against the stub speaking Midtrans' wire format:
the one-time token_id from Midtrans' JS pays a small card check with 3DS and save_token_id,
the owner goes to the bank's 3DS page, and the verified notification (re-checked with the
status API) carrying saved_token_id creates the Midtrans subscription with that saved token.
The stub's Subscriptions API refuses any card token it did not save, as Midtrans does."""

import base64
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from billing.gateways import GatewayError, recurring_get
from billing.models import CardCheck, Subscription, WebhookEvent

from .conftest import CARD_TOKEN, MIDTRANS_KEY, post_raw
from .test_auto_renewal import paid_plan
from .test_dev_gateway import signed_in


def current(organization) -> Subscription:
    return Subscription.objects.get(organization=organization, status="active")


def start_check(owner, organization) -> tuple[Client, str]:
    """The owner posts the card form's token; the order id of the card check it charged."""
    client = signed_in(owner, organization)
    answer = client.post("/billing/auto-renewal/", {"gateway": "midtrans", "payment_token": CARD_TOKEN})
    assert answer.status_code == 302, answer.content
    return client, CardCheck.objects.get(organization=organization).order_id


def notify(body: bytes):
    return post_raw(APIClient(), "/api/webhooks/midtrans", body)


@pytest.mark.django_db
def test_the_card_is_saved_by_a_3ds_check_and_the_subscription_uses_the_saved_token(
    owner, organization, midtrans, django_capture_on_commit_callbacks
):
    paid_plan(organization)
    client = signed_in(owner, organization)

    answer = client.post("/billing/auto-renewal/", {"gateway": "midtrans", "payment_token": CARD_TOKEN})

    [charge] = midtrans.sent("POST", "/v2/charge")
    assert charge.headers["authorization"] == "Basic " + base64.b64encode(f"{MIDTRANS_KEY}:".encode()).decode()
    assert charge.body["payment_type"] == "credit_card"
    assert charge.body["credit_card"] == {"token_id": CARD_TOKEN, "authentication": True, "save_token_id": True}
    assert charge.body["transaction_details"]["gross_amount"] == 10000
    order_id = charge.body["transaction_details"]["order_id"]
    assert answer.status_code == 302 and answer["Location"].startswith(f"{midtrans.url}/v2/token/rba/redirect/")
    assert midtrans.sent("POST", "/v1/subscriptions") == []  # nothing yet: the bank has not checked the card
    assert current(organization).renewal_mode == "manual"
    assert 'id="card-check"' in client.get("/billing/").content.decode()

    body = midtrans.midtrans_3ds_done(order_id, "capture", key=MIDTRANS_KEY)  # 3DS passed at the bank
    with django_capture_on_commit_callbacks(execute=True):
        answer = notify(body)

    assert (answer.status_code, answer.json()["verdict"]) == (200, "processed")
    saved = midtrans.midtrans_statuses[order_id]["saved_token_id"]
    [created] = midtrans.sent("POST", "/v1/subscriptions")
    assert (created.body["token"], created.body["payment_type"], created.body["amount"]) == (
        saved,
        "credit_card",
        "99000",
    )
    subscription = current(organization)
    assert (subscription.renewal_mode, subscription.auto_renewal_reference) == ("auto", "midtrans-sub-1")
    assert [r.path for r in midtrans.sent("POST", f"/v2/{order_id}/cancel")] == [f"/v2/{order_id}/cancel"]
    check = CardCheck.objects.get(order_id=order_id)
    assert check.status == "saved" and check.voided_at is not None
    assert midtrans.midtrans_statuses[order_id]["transaction_status"] == "cancel"  # the check's money went back
    assert saved not in WebhookEvent.objects.get(payload__order_id=order_id).body  # no token in our logs
    page = client.get("/billing/").content.decode()
    assert 'id="card-check"' not in page and "Automatic" in page


@pytest.mark.django_db
@pytest.mark.parametrize(("outcome", "why"), [("deny", "declined"), ("expire", "not finished in time")])
def test_a_failed_check_leaves_renewal_manual_and_the_billing_page_says_why(
    owner, organization, midtrans, outcome, why, django_capture_on_commit_callbacks
):
    paid_plan(organization)
    client, order_id = start_check(owner, organization)

    with django_capture_on_commit_callbacks(execute=True):
        answer = notify(midtrans.midtrans_3ds_done(order_id, outcome, key=MIDTRANS_KEY))

    assert answer.status_code == 200
    assert midtrans.sent("POST", "/v1/subscriptions") == []
    assert current(organization).renewal_mode == "manual"
    page = client.get("/billing/").content.decode()
    alert = page[page.index('id="card-check"') :][:400]
    assert "still off" in alert and why in alert
    assert 'href="/billing/auto-renewal/?gateway=midtrans"' in page  # they can try again


@pytest.mark.django_db
def test_a_replayed_notification_changes_nothing(
    owner, owner_api, organization, midtrans, django_capture_on_commit_callbacks
):
    paid_plan(organization)
    _client, order_id = start_check(owner, organization)
    body = midtrans.midtrans_3ds_done(order_id, "capture", key=MIDTRANS_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        notify(body)
    assert owner_api.delete("/api/billing/subscription/auto-renewal").status_code == 200

    answers = [notify(body) for _ in range(2)]

    assert [(a.status_code, a.json()["verdict"]) for a in answers] == [(200, "ignored")] * 2
    assert [r.path for r in midtrans.sent("POST", "/v1/subscriptions")].count("/v1/subscriptions") == 1
    assert current(organization).renewal_mode == "manual"


@pytest.mark.django_db
def test_a_notification_ahead_of_midtrans_own_status_turns_nothing_on(owner, organization, midtrans):
    """Signed and well formed, but Midtrans' status API still says pending: the notification
    alone (a replay of another charge, say) never turns auto-renewal on."""
    paid_plan(organization)
    _client, order_id = start_check(owner, organization)
    body = midtrans.midtrans_3ds_done(order_id, "capture", key=MIDTRANS_KEY)
    midtrans.midtrans_statuses[order_id].update(transaction_status="pending", status_code="201")

    answer = notify(body)

    assert (answer.status_code, answer.json()["verdict"]) == (200, "ignored")
    assert midtrans.sent("POST", "/v1/subscriptions") == []
    assert CardCheck.objects.get(order_id=order_id).status == "pending"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "post",
    [
        {"gateway": "midtrans", "payment_token": ""},
        {"gateway": "midtrans", "payment_token": "4811111111111114"},
        {"gateway": "midtrans", "payment_token": CARD_TOKEN + "x"},
        {"gateway": "midtrans", "payment_token": CARD_TOKEN, "card_cvv": "123"},
        {"gateway": "midtrans"},
    ],
)
def test_bad_input_is_a_400_and_nothing_is_charged(owner, organization, midtrans, post):
    paid_plan(organization)

    answer = signed_in(owner, organization).post("/billing/auto-renewal/", post)

    assert answer.status_code == 400
    assert midtrans.requests == [] and not CardCheck.objects.exists()
    assert current(organization).renewal_mode == "manual"


@pytest.mark.django_db
def test_a_one_time_token_straight_to_the_subscriptions_api_is_refused_by_midtrans(owner_api, organization, midtrans):
    """What the page used to do: the stub, like Midtrans, only charges saved tokens again."""
    subscription = paid_plan(organization)

    with pytest.raises(GatewayError, match="saved token"):
        recurring_get("midtrans").start(
            subscription=subscription, plan=subscription.plan, payment_token=CARD_TOKEN, payer_email="o@example.com"
        )


@pytest.mark.django_db
def test_the_api_answers_the_3ds_page_for_a_one_time_token(owner_api, organization, midtrans):
    paid_plan(organization)

    answer = owner_api.post(
        "/api/billing/subscription/auto-renewal", {"gateway": "midtrans", "payment_token": CARD_TOKEN}, format="json"
    )

    assert answer.status_code == 202
    assert answer.json()["redirect_url"].startswith(f"{midtrans.url}/v2/token/rba/redirect/")
    assert current(organization).renewal_mode == "manual"


@pytest.mark.django_db
def test_midtrans_down_on_the_check_is_a_502_and_the_page_says_so(owner, organization, midtrans):
    paid_plan(organization)
    midtrans.failing = True
    client = signed_in(owner, organization)

    answer = client.post("/billing/auto-renewal/", {"gateway": "midtrans", "payment_token": CARD_TOKEN})

    assert answer.status_code == 502
    assert current(organization).renewal_mode == "manual"
    assert "Midtrans did not answer" in client.get("/billing/").content.decode()


@pytest.mark.django_db
def test_card_check_notifications_we_never_charged_or_signed_by_dev_are_refused(
    owner, organization, midtrans, settings
):
    paid_plan(organization)
    _client, order_id = start_check(owner, organization)
    never_made = "MODOCARD-0000000001-000000000000"
    midtrans.midtrans_statuses[never_made] = dict(midtrans.midtrans_statuses[order_id], order_id=never_made)
    settings.BILLING_DEV_GATEWAY = True

    unknown = notify(midtrans.midtrans_3ds_done(never_made, "capture", key=MIDTRANS_KEY))
    dev_signed = notify(midtrans.midtrans_3ds_done(order_id, "capture", key=settings.BILLING_DEV_SERVER_KEY))

    assert (unknown.status_code, dev_signed.status_code) == (404, 401)
    assert midtrans.sent("POST", "/v1/subscriptions") == []
    assert current(organization).renewal_mode == "manual"


@pytest.mark.django_db
def test_without_midtrans_keys_a_card_token_for_midtrans_is_a_400(owner_api, organization):
    paid_plan(organization)  # the dev gateway only: Midtrans is not configured

    answer = owner_api.post(
        "/api/billing/subscription/auto-renewal", {"gateway": "midtrans", "payment_token": CARD_TOKEN}, format="json"
    )

    assert (answer.status_code, answer.json()["code"]) == (400, "VALIDATION_ERROR")
    assert not CardCheck.objects.exists()


@pytest.mark.django_db(transaction=True)  # two real transactions racing on the check row
def test_two_deliveries_at_once_create_one_subscription(owner, organization, midtrans):
    paid_plan(organization)
    _client, order_id = start_check(owner, organization)
    body = midtrans.midtrans_3ds_done(order_id, "capture", key=MIDTRANS_KEY)

    def deliver(_):
        try:
            return notify(body).json()["verdict"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = sorted(pool.map(deliver, range(2)))

    assert verdicts == ["ignored", "processed"]
    assert [r.path for r in midtrans.sent("POST", "/v1/subscriptions")].count("/v1/subscriptions") == 1
    assert current(organization).renewal_mode == "auto"
    assert CardCheck.objects.get(order_id=order_id).voided_at is not None
