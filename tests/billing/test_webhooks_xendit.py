"""Xendit invoice callbacks: token-verified, deduplicated on the invoice, forward-only."""

import json

import pytest
from rest_framework.test import APIClient

from billing.models import Order, WebhookEvent

from ..credits.threads import run_at_once
from .conftest import XENDIT_TOKEN, credits_of, order_ledger_rows, order_make, post_raw

URL = "/api/webhooks/xendit"


def callback(order, status, *, amount=None, **extra) -> bytes:
    return json.dumps(
        {
            "id": f"inv-{order.order_id}",
            "external_id": order.order_id,
            "user_id": "xendit-user",
            "status": status,
            "amount": order.amount if amount is None else amount,
            "paid_amount": order.amount,
            "paid_at": "2026-11-27T03:00:00.000Z",
            "payment_method": "BANK_TRANSFER",
            "payment_channel": "BCA",
            "currency": "IDR",
            "created": "2026-11-27T02:00:00.000Z",
            "updated": "2026-11-27T03:00:00.000Z",
            **extra,
        }
    ).encode()


def send(body: bytes, token: str | None = XENDIT_TOKEN):
    headers = {"HTTP_X_CALLBACK_TOKEN": token} if token is not None else {}
    return post_raw(APIClient(), URL, body, **headers)


@pytest.mark.django_db
@pytest.mark.parametrize("token", [None, "", "wrong-token", XENDIT_TOKEN + "x"])
def test_a_missing_or_wrong_token_answers_401_and_changes_nothing(xendit, organization, token):
    order = order_make(organization, gateway="xendit")

    response = send(callback(order, "PAID"), token=token)

    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING
    assert credits_of(organization) == (0, 0)
    event = WebhookEvent.objects.get()
    assert event.verdict == WebhookEvent.Verdict.REJECTED
    assert event.headers.get("x-callback-token") in (None, "<present>")  # the secret is never stored


@pytest.mark.django_db
def test_no_token_is_accepted_when_none_is_configured(xendit, settings, organization):
    settings.XENDIT_CALLBACK_TOKEN = ""
    order = order_make(organization, gateway="xendit")

    assert send(callback(order, "PAID"), token="").status_code == 401


@pytest.mark.django_db
def test_paid_grants_once_under_replays(xendit, organization):
    order = order_make(organization, gateway="xendit", item="pack:credits-500")

    answers = [send(callback(order, "PAID")).status_code for _ in range(10)]
    answers.append(send(callback(order, "SETTLED")).status_code)

    assert set(answers) == {200}
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.gateway_reference == f"inv-{order.order_id}"
    assert credits_of(organization) == (500, 50)
    assert order_ledger_rows(order) == 1


@pytest.mark.django_db(transaction=True)
def test_paid_grants_once_under_concurrent_replays(xendit, organization):
    order = order_make(organization, gateway="xendit")
    body = callback(order, "PAID")

    results = run_at_once(lambda i: send(body).status_code, threads=20)

    assert {r.value for r in results} == {200}
    assert credits_of(organization) == (100, 0)
    assert order_ledger_rows(order) == 1


@pytest.mark.django_db
def test_expired_ends_the_order(xendit, organization):
    order = order_make(organization, gateway="xendit")

    response = send(callback(order, "EXPIRED"))

    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == Order.Status.EXPIRED
    assert credits_of(organization) == (0, 0)


@pytest.mark.django_db
def test_a_late_expired_never_undoes_a_payment(xendit, organization):
    order = order_make(organization, gateway="xendit")
    send(callback(order, "PAID"))

    send(callback(order, "EXPIRED"))

    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert order_ledger_rows(order) == 1


@pytest.mark.django_db
def test_an_amount_mismatch_is_rejected_and_flagged(xendit, organization):
    order = order_make(organization, gateway="xendit")

    response = send(callback(order, "PAID", amount=1000))

    assert response.status_code == 400
    assert response.json()["code"] == "AMOUNT_MISMATCH"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING and order.needs_review


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [-49000, "49000", "abc", None, True])
def test_negative_or_string_amounts_are_a_stored_rejected_400(xendit, organization, amount):
    order = order_make(organization, gateway="xendit")
    body = json.loads(callback(order, "PAID"))
    body["amount"] = amount

    response = send(json.dumps(body).encode())

    if amount == "49000":  # a numeric string is read as the number it spells
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert credits_of(organization) == (0, 0)
    assert WebhookEvent.objects.get().verdict == WebhookEvent.Verdict.REJECTED


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"{not json", b'{"external_id": "MODO-', b"[]"])
def test_non_json_or_truncated_bodies_are_a_stored_rejected_400(xendit, body):
    response = send(body)

    assert response.status_code == 400
    assert WebhookEvent.objects.get().verdict == WebhookEvent.Verdict.REJECTED


@pytest.mark.django_db
def test_an_unknown_external_id_is_a_stored_rejected_404(xendit, organization):
    ghost = Order(order_id="MODO-NOPE", amount=49000)

    response = send(callback(ghost, "PAID"))

    assert response.status_code == 404
    assert WebhookEvent.objects.get().reason == "unknown order"


@pytest.mark.django_db
def test_a_callback_for_an_order_of_another_gateway_is_unknown_here(xendit, organization):
    order = order_make(organization, gateway="midtrans")

    assert send(callback(order, "PAID")).status_code == 404
    assert credits_of(organization) == (0, 0)
