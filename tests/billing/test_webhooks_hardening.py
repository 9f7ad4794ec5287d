"""Public webhook URLs: rejected deliveries are anyone's, so they are throttled per sender,
stored cut short and purged; the Midtrans amount must match the order whatever Midtrans'
status API says."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from billing.models import Order, WebhookEvent
from billing.tasks import billing_purge_rejected_webhooks

from .conftest import credits_of, midtrans_notification, order_make, post_raw

pytestmark = pytest.mark.django_db

URL = "/api/webhooks/midtrans"


def forged(client: APIClient, body: str = '{"order_id": "MODO-1", "signature_key": "x"}', address="203.0.113.7"):
    return client.post(URL, data=body, content_type="application/json", REMOTE_ADDR=address)


def test_rejected_deliveries_past_the_allowance_answer_429_and_are_not_stored(settings):
    settings.WEBHOOK_REJECTED_PER_WINDOW = 3
    client = APIClient()

    answers = [forged(client).status_code for _ in range(5)]

    assert answers == [400, 400, 400, 429, 429]
    assert WebhookEvent.objects.count() == 3


def test_the_allowance_is_counted_per_sender_address(settings):
    settings.WEBHOOK_REJECTED_PER_WINDOW = 1
    client = APIClient()
    forged(client, address="203.0.113.7")

    refused = forged(client, address="203.0.113.7")
    other = forged(client, address="198.51.100.9")

    assert refused.status_code == 429
    assert refused.json()["code"] == "RATE_LIMITED" and refused["Retry-After"]
    assert other.status_code == 400
    assert WebhookEvent.objects.count() == 2


def test_a_large_rejected_delivery_is_stored_cut_to_a_few_kilobytes(settings):
    settings.WEBHOOK_REJECTED_BODY_BYTES = 4096
    body = '{"order_id": "MODO-1", "padding": "' + "x" * 60_000 + '"}'

    response = forged(APIClient(), body)

    assert response.status_code == 400
    event = WebhookEvent.objects.get()
    assert len(event.body) == 4096 and event.payload is None


def test_beat_purges_rejected_deliveries_past_their_retention_and_keeps_the_rest(settings, organization):
    settings.WEBHOOK_REJECTED_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    fresh = timezone.now() - timedelta(days=29)
    for verdict, received_at in [("rejected", old), ("rejected", fresh), ("processed", old)]:
        WebhookEvent.objects.create(gateway="midtrans", verdict=verdict, received_at=received_at)

    deleted = billing_purge_rejected_webhooks()

    assert deleted == 1
    kept = sorted(WebhookEvent.objects.values_list("verdict", "received_at"))
    assert kept == sorted([("rejected", fresh), ("processed", old)])
    assert "billing.tasks.billing_purge_rejected_webhooks" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_a_signed_notification_with_another_amount_is_refused_although_the_status_api_agrees(midtrans, organization):
    order = order_make(organization)  # 49,000
    midtrans.midtrans_status_set(order.order_id, "settlement", f"{order.amount}.00")

    response = post_raw(APIClient(), URL, midtrans_notification(order, "settlement", gross_amount="1000.00"))

    assert response.status_code == 400
    assert response.json()["code"] == "AMOUNT_MISMATCH"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING and order.needs_review
    assert credits_of(organization) == (0, 0)
