"""Midtrans GoPay auto-renewal from the page, against the stub speaking Midtrans' GoPay
Tokenization and Subscriptions wire formats: the owner gives the GoPay phone number, MODO
creates the pay account and sends the owner to GoPay's activation link; back on MODO (or on
Midtrans' linking notification) MODO asks Get Pay Account, and once ENABLED creates the
subscription with the GOPAY_WALLET payment option token. The stub's Subscriptions API refuses
a GoPay account that is not ENABLED or a token that is not its payment option's, as Midtrans
checks the account before creating a subscription."""

import base64
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from billing.models import GopayLink, Subscription, WebhookEvent

from .conftest import MIDTRANS_KEY, post_raw
from .test_auto_renewal import paid_plan
from .test_dev_gateway import signed_in

RETURN = "/billing/auto-renewal/?gateway=midtrans&gopay=return"


def current(organization) -> Subscription:
    return Subscription.objects.get(organization=organization, status="active")


def link_start(client, phone="0812-3456-7890"):
    return client.post("/billing/auto-renewal/", {"gateway": "midtrans", "phone_number": phone})


def notify(body: bytes):
    return post_raw(APIClient(), "/api/webhooks/midtrans", body)


@pytest.mark.django_db
def test_gopay_is_linked_from_the_page_and_the_subscription_charges_its_wallet_token(
    owner, organization, midtrans, settings
):
    paid_plan(organization)
    client = signed_in(owner, organization)
    assert 'id="gopay-form"' in client.get("/billing/auto-renewal/?gateway=midtrans").content.decode()

    answer = link_start(client, "+62 812 3456 7890")

    [created] = midtrans.sent("POST", "/v2/pay/account")
    assert created.headers["authorization"] == "Basic " + base64.b64encode(f"{MIDTRANS_KEY}:".encode()).decode()
    assert created.body == {
        "payment_type": "gopay",
        "gopay_partner": {
            "phone_number": "81234567890",
            "country_code": "62",
            "redirect_url": settings.SITE_URL.rstrip("/") + RETURN,
        },
    }
    account_id = created.answer_id
    assert (
        answer.status_code == 302 and answer["Location"] == f"{midtrans.url}/v2/gopay/redirect/gpar_{account_id}/link"
    )
    assert current(organization).renewal_mode == "manual"
    assert 'id="gopay-link"' in client.get("/billing/").content.decode()  # "pending" on /billing/

    midtrans.midtrans_gopay_link_done(account_id)  # the owner confirmed in GoPay
    back = client.get(RETURN)

    assert back.status_code == 302 and back["Location"] == "/billing/"
    assert midtrans.sent("GET", f"/v2/pay/account/{account_id}")  # asked Midtrans, not the browser
    [subscribed] = midtrans.sent("POST", "/v1/subscriptions")
    assert (subscribed.body["payment_type"], subscribed.body["gopay"], subscribed.body["amount"]) == (
        "gopay",
        {"account_id": account_id},
        "99000",
    )
    assert subscribed.body["token"] == midtrans.midtrans_gopay_token(account_id) != account_id
    subscription = current(organization)
    assert (subscription.renewal_mode, subscription.auto_renewal_reference) == ("auto", "midtrans-sub-1")
    assert GopayLink.objects.get(account_id=account_id).status == "linked"
    page = client.get("/billing/").content.decode()
    assert 'id="gopay-link"' not in page and "GoPay is linked" in page


@pytest.mark.django_db
def test_the_linking_notification_turns_auto_renewal_on_and_a_replay_or_return_adds_nothing(
    owner, organization, midtrans
):
    paid_plan(organization)
    client = signed_in(owner, organization)
    link_start(client)
    account_id = midtrans.sent("POST", "/v2/pay/account")[0].answer_id
    body = midtrans.midtrans_gopay_link_done(account_id)

    answers = [notify(body) for _ in range(3)]
    client.get(RETURN)

    assert [(a.status_code, a.json()["verdict"]) for a in answers] == [
        (200, "processed"),
        (200, "ignored"),
        (200, "ignored"),
    ]
    assert len(midtrans.sent("POST", "/v1/subscriptions")) == 1
    assert current(organization).renewal_mode == "auto"
    assert WebhookEvent.objects.filter(payload__account_id=account_id).count() == 3


@pytest.mark.django_db
def test_a_notification_while_midtrans_still_says_pending_turns_nothing_on(owner, organization, midtrans):
    paid_plan(organization)
    client = signed_in(owner, organization)
    link_start(client)
    account_id = midtrans.sent("POST", "/v2/pay/account")[0].answer_id
    early = midtrans.midtrans_gopay_account_notification(account_id, "ENABLED")

    answer = notify(early)  # the (signed) body says ENABLED; Midtrans' Get Pay Account says PENDING
    client.get(RETURN)

    assert (answer.status_code, answer.json()["verdict"]) == (200, "ignored")
    assert midtrans.sent("POST", "/v1/subscriptions") == []
    assert current(organization).renewal_mode == "manual"
    assert GopayLink.objects.get(account_id=account_id).status == "pending"


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "shown"), [("EXPIRED", "in time"), ("DISABLED", "unlinked")])
def test_an_expired_or_disabled_account_leaves_renewal_manual_and_billing_says_why(
    owner, organization, midtrans, status, shown
):
    paid_plan(organization)
    client = signed_in(owner, organization)
    link_start(client)
    account_id = midtrans.sent("POST", "/v2/pay/account")[0].answer_id
    midtrans.midtrans_gopay_link_done(account_id, status)

    client.get(RETURN)

    assert midtrans.sent("POST", "/v1/subscriptions") == []
    assert current(organization).renewal_mode == "manual"
    page = client.get("/billing/").content.decode()
    assert 'id="gopay-link"' in page and "GoPay was not linked" in page and shown in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "phone", ["", "12345", "0212345678", "+1 415 555 0100", "08123", "0812345678901234", "x" * 500]
)
def test_a_number_that_is_not_an_indonesian_mobile_is_a_400_and_nothing_is_sent(owner, organization, midtrans, phone):
    paid_plan(organization)
    client = signed_in(owner, organization)

    answer = link_start(client, phone)

    assert answer.status_code == 400
    assert "Indonesian mobile number" in answer.content.decode()
    assert midtrans.sent("POST", "/v2/pay/account") == []
    assert not GopayLink.objects.exists()


@pytest.mark.django_db
def test_a_phone_number_with_a_card_token_or_for_xendit_is_a_400(owner, organization, midtrans, xendit):
    paid_plan(organization)
    client = signed_in(owner, organization)

    both = client.post(
        "/billing/auto-renewal/", {"gateway": "midtrans", "phone_number": "08123456789", "payment_token": "x"}
    )
    xendit_answer = client.post("/billing/auto-renewal/", {"gateway": "xendit", "phone_number": "08123456789"})

    assert (both.status_code, xendit_answer.status_code) == (400, 400)
    assert midtrans.sent("POST", "/v2/pay/account") == [] and not GopayLink.objects.exists()


@pytest.mark.django_db
def test_a_member_cannot_link_gopay(member, organization, midtrans):
    paid_plan(organization)

    answer = link_start(signed_in(member, organization))

    assert answer.status_code == 403
    assert midtrans.sent("POST", "/v2/pay/account") == []


@pytest.mark.django_db
def test_a_linking_notification_for_an_unknown_account_is_a_404(midtrans):
    answer = notify(midtrans.midtrans_gopay_account_notification("00000269-7836-49e5-bc65-e592afafec14", "ENABLED"))

    assert answer.status_code == 404
    assert midtrans.sent("GET", "/v2/pay/account") == []


@pytest.mark.django_db(transaction=True)  # two real transactions racing on the link row
def test_the_return_and_the_notification_at_once_create_one_subscription(owner, organization, midtrans):
    paid_plan(organization)
    client = signed_in(owner, organization)
    link_start(client)
    account_id = midtrans.sent("POST", "/v2/pay/account")[0].answer_id
    body = midtrans.midtrans_gopay_link_done(account_id)

    returning = signed_in(owner, organization)

    def deliver(i):
        try:
            if i == 0:  # the owner's browser back from GoPay
                return returning.get(RETURN).status_code
            return notify(body).json()["verdict"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(deliver, range(3)))

    assert outcomes[0] == 302 and sorted(outcomes[1:]) in (["ignored", "ignored"], ["ignored", "processed"])
    assert len(midtrans.sent("POST", "/v1/subscriptions")) == 1
    assert current(organization).renewal_mode == "auto"
    assert GopayLink.objects.get(account_id=account_id).status == "linked"


@pytest.mark.django_db
def test_midtrans_down_on_linking_is_a_502_and_nothing_is_stored(owner, organization, midtrans):
    paid_plan(organization)
    midtrans.failing = True

    answer = link_start(signed_in(owner, organization))

    assert answer.status_code == 502
    assert "not answering" in answer.content.decode()
    assert not GopayLink.objects.exists() and current(organization).renewal_mode == "manual"
