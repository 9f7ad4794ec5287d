"""Midtrans notifications: verified, stored, idempotent, forward-only, fulfilled once."""

import itertools
import json

import pytest
from rest_framework.test import APIClient

from billing.models import Fulfilment, Order, WebhookEvent

from ..credits.threads import run_at_once
from .conftest import credits_of, midtrans_notification, order_ledger_rows, order_make, post_raw

URL = "/api/webhooks/midtrans"


def deliver(stub, order, transaction_status, *, client=None, **kwargs):
    """Midtrans' status API says `transaction_status`, and its notification arrives."""
    stub.midtrans_status_set(
        order.order_id,
        transaction_status,
        kwargs.get("gross_amount") or f"{order.amount}.00",
        fraud_status=kwargs.get("fraud_status", "accept"),
    )
    return post_raw(client or APIClient(), URL, midtrans_notification(order, transaction_status, **kwargs))


@pytest.mark.django_db
def test_a_valid_settlement_pays_the_order_and_grants_its_credits_once(midtrans, organization, owner):
    order = order_make(organization, user=owner)

    response = deliver(midtrans, order, "settlement")

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.paid_at and order.fulfilled_at
    assert credits_of(organization) == (100, 0)
    assert order_ledger_rows(order) == 1
    assert Fulfilment.objects.filter(order=order).count() == 1
    assert WebhookEvent.objects.get(order=order).verdict == WebhookEvent.Verdict.PROCESSED


@pytest.mark.django_db
def test_it_rechecks_the_status_with_midtrans_before_fulfilling(midtrans, organization):
    order = order_make(organization)
    midtrans.midtrans_status_set(order.order_id, "pending", f"{order.amount}.00")

    response = post_raw(APIClient(), URL, midtrans_notification(order, "settlement"))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert credits_of(organization) == (0, 0)
    assert midtrans.sent("GET", f"/v2/{order.order_id}/status")
    assert midtrans.sent("GET", f"/v2/{order.order_id}/status")[0].headers["authorization"].startswith("Basic ")


@pytest.mark.django_db
def test_a_wrong_signature_answers_401_and_changes_nothing(midtrans, organization):
    order = order_make(organization)
    body = json.loads(midtrans_notification(order, "settlement"))
    body["signature_key"] = "0" * 128

    response = post_raw(APIClient(), URL, json.dumps(body).encode())

    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert credits_of(organization) == (0, 0)
    assert not midtrans.requests  # not even a status look-up
    event = WebhookEvent.objects.get()
    assert (event.verdict, event.reason) == (WebhookEvent.Verdict.REJECTED, "invalid signature")


@pytest.mark.django_db
def test_a_notification_signed_with_another_key_is_rejected(midtrans, organization):
    order = order_make(organization)

    response = post_raw(APIClient(), URL, midtrans_notification(order, "settlement", key="someone-elses-key"))

    assert response.status_code == 401
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING


@pytest.mark.django_db
def test_an_amount_that_does_not_match_the_order_is_rejected_and_flagged(midtrans, organization):
    order = order_make(organization)  # 49,000

    response = deliver(midtrans, order, "settlement", gross_amount="1000.00")

    assert response.status_code == 400
    assert response.json()["code"] == "AMOUNT_MISMATCH"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert order.needs_review and "mismatch" in order.review_note.lower()
    assert credits_of(organization) == (0, 0)
    assert WebhookEvent.objects.get().verdict == WebhookEvent.Verdict.REJECTED


@pytest.mark.django_db
def test_the_same_notification_100_times_in_a_row_grants_once(midtrans, organization):
    order = order_make(organization)
    client = APIClient()

    statuses = [deliver(midtrans, order, "settlement", client=client).status_code for _ in range(100)]

    assert set(statuses) == {200}
    assert credits_of(organization) == (100, 0)
    assert order_ledger_rows(order) == 1
    assert WebhookEvent.objects.filter(order=order).count() == 100
    assert WebhookEvent.objects.filter(verdict=WebhookEvent.Verdict.PROCESSED).count() == 1
    assert WebhookEvent.objects.filter(verdict=WebhookEvent.Verdict.IGNORED).count() == 99


@pytest.mark.django_db(transaction=True)
def test_the_same_notification_20_times_at_once_grants_once(midtrans, organization):
    order = order_make(organization, item="pack:credits-500")
    midtrans.midtrans_status_set(order.order_id, "settlement", f"{order.amount}.00")
    body = midtrans_notification(order, "settlement")

    results = run_at_once(lambda i: post_raw(APIClient(), URL, body).status_code, threads=20)

    assert [r.error for r in results if r.error] == []
    assert {r.value for r in results} == {200}
    assert credits_of(organization) == (500, 50)
    assert order_ledger_rows(order) == 1
    assert Fulfilment.objects.filter(order=order).count() == 1
    assert WebhookEvent.objects.filter(order=order).count() == 20


RANK = {"pending": 0, "failed": 1, "expired": 1, "paid": 2}
EVENTS = ["pending", "settlement", "expire", "cancel"]


@pytest.mark.django_db
def test_every_ordering_of_pending_settlement_expire_cancel_only_moves_forward(midtrans, organization):
    client = APIClient()
    for ordering in itertools.permutations(EVENTS):
        order = order_make(organization)
        seen = []
        for transaction_status in ordering:
            assert deliver(midtrans, order, transaction_status, client=client).status_code == 200
            order.refresh_from_db()
            seen.append(order.status)

        assert all(RANK[a] <= RANK[b] for a, b in itertools.pairwise(seen)), (ordering, seen)
        assert order.status == Order.Status.PAID, ordering
        assert order_ledger_rows(order) == 1, ordering
    assert credits_of(organization) == (100 * 24, 0)


@pytest.mark.django_db
def test_a_paid_order_never_moves_back(midtrans, organization):
    order = order_make(organization)
    deliver(midtrans, order, "settlement")

    for later in ("pending", "expire", "cancel", "deny", "failure"):
        assert deliver(midtrans, order, later).status_code == 200

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order_ledger_rows(order) == 1


@pytest.mark.django_db
def test_a_capture_held_for_fraud_review_does_not_grant(midtrans, organization):
    order = order_make(organization)

    response = deliver(midtrans, order, "capture", fraud_status="challenge")

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert credits_of(organization) == (0, 0)


@pytest.mark.django_db
def test_a_capture_accepted_by_fraud_review_grants(midtrans, organization):
    order = order_make(organization)
    deliver(midtrans, order, "capture", fraud_status="challenge")

    deliver(midtrans, order, "capture", fraud_status="accept")

    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert credits_of(organization) == (100, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("transaction_status", "ending"),
    [("expire", Order.Status.EXPIRED), ("cancel", Order.Status.FAILED), ("deny", Order.Status.FAILED)],
)
def test_expire_cancel_and_deny_end_the_order(midtrans, organization, transaction_status, ending):
    order = order_make(organization)

    response = deliver(midtrans, order, transaction_status)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == ending
    assert credits_of(organization) == (0, 0)


@pytest.mark.django_db
def test_a_refund_is_recorded_and_flagged_for_staff(midtrans, organization):
    order = order_make(organization)
    deliver(midtrans, order, "settlement")

    deliver(midtrans, order, "refund", status_code="200")

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.needs_review
    assert credits_of(organization) == (100, 0)


@pytest.mark.django_db
def test_an_unknown_transaction_status_is_stored_and_answered_200(midtrans, organization):
    order = order_make(organization)

    response = deliver(midtrans, order, "something_new")

    assert response.status_code == 200
    assert WebhookEvent.objects.get().verdict == WebhookEvent.Verdict.IGNORED
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING


@pytest.mark.django_db
def test_when_the_status_api_is_down_it_asks_midtrans_to_retry(midtrans, organization):
    order = order_make(organization)
    midtrans.failing = True

    response = post_raw(APIClient(), URL, midtrans_notification(order, "settlement"))

    assert response.status_code == 503
    assert response.json()["code"] == "GATEWAY_UNAVAILABLE"
    assert WebhookEvent.objects.get().verdict == WebhookEvent.Verdict.RETRY
    assert credits_of(organization) == (0, 0)


# --- Bad input ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"not json at all", b'{"order_id": "MODO-1", "status_co', b"", b"[1, 2]", b"42"])
def test_a_body_that_is_not_a_json_object_is_a_stored_rejected_400(midtrans, body):
    response = post_raw(APIClient(), URL, body)

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    event = WebhookEvent.objects.get()
    assert event.verdict == WebhookEvent.Verdict.REJECTED
    assert event.body == body.decode()


@pytest.mark.django_db
def test_missing_fields_are_a_clear_400(midtrans):
    response = post_raw(APIClient(), URL, json.dumps({"order_id": "MODO-1"}).encode())

    assert response.status_code == 400
    assert "status_code" in response.json()["error"]
    assert WebhookEvent.objects.get().verdict == WebhookEvent.Verdict.REJECTED


@pytest.mark.django_db
def test_an_unknown_order_is_a_stored_rejected_404(midtrans, organization):
    ghost = Order(order_id="MODO-DOES-NOT-EXIST", amount=49000)

    response = post_raw(APIClient(), URL, midtrans_notification(ghost, "settlement"))

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    assert WebhookEvent.objects.get().reason == "unknown order"


@pytest.mark.django_db
@pytest.mark.parametrize("gross_amount", ["-49000.00", "forty-nine thousand", "49000.50", "NaN"])
def test_negative_or_string_amounts_are_a_stored_rejected_400(midtrans, organization, gross_amount):
    order = order_make(organization)

    response = post_raw(APIClient(), URL, midtrans_notification(order, "settlement", gross_amount=gross_amount))

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING
    assert credits_of(organization) == (0, 0)
    assert WebhookEvent.objects.get().verdict == WebhookEvent.Verdict.REJECTED


@pytest.mark.django_db
def test_the_webhook_is_public_and_needs_no_csrf_token(midtrans, organization):
    order = order_make(organization)
    midtrans.midtrans_status_set(order.order_id, "settlement", f"{order.amount}.00")
    client = APIClient(enforce_csrf_checks=True)

    response = post_raw(client, URL, midtrans_notification(order, "settlement"))

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_plan_payment_starts_the_subscription_and_grants_its_credits(midtrans, organization):
    order = order_make(organization, item="plan:pro")

    deliver(midtrans, order, "settlement")

    assert credits_of(organization) == (1000, 0)
    subscription = organization.subscriptions.get(status="active")
    assert subscription.plan.code == "pro"
