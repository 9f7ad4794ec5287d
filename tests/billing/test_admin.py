import pytest
from django.test import Client

from billing.models import Order, WebhookEvent

from ..factories import UserFactory
from .conftest import credits_of, midtrans_notification, order_make, post_raw


@pytest.fixture
def staff_client(db) -> Client:
    user = UserFactory(email="staff@example.com", is_staff=True)
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_re_checking_an_order_with_the_gateway_applies_its_answer(staff_client, midtrans, organization):
    order = order_make(organization)
    midtrans.midtrans_status_set(order.order_id, "settlement", "49000.00")

    response = staff_client.post(
        "/admin/billing/order/", {"action": "recheck_with_gateway", "_selected_action": [order.pk]}, follow=True
    )

    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert credits_of(organization) == (100, 0)


@pytest.mark.django_db
def test_webhook_events_are_shown_read_only(staff_client, midtrans, organization):
    from rest_framework.test import APIClient

    order = order_make(organization)
    post_raw(APIClient(), "/api/webhooks/midtrans", b"{broken")
    midtrans.midtrans_status_set(order.order_id, "settlement", "49000.00")
    post_raw(APIClient(), "/api/webhooks/midtrans", midtrans_notification(order, "settlement"))
    event = WebhookEvent.objects.filter(order=order).get()

    page = staff_client.get(f"/admin/billing/webhookevent/{event.pk}/change/")
    listing = staff_client.get("/admin/billing/webhookevent/")
    attempt = staff_client.post(f"/admin/billing/webhookevent/{event.pk}/change/", {"verdict": "rejected"})

    assert page.status_code == 200 and order.order_id.encode() in page.content
    assert listing.status_code == 200
    assert attempt.status_code == 403
    assert WebhookEvent.objects.get(pk=event.pk).verdict == WebhookEvent.Verdict.PROCESSED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/admin/billing/plan/", "/admin/billing/creditpack/", "/admin/billing/subscription/", "/admin/billing/order/"],
)
def test_the_billing_admin_pages_open(staff_client, organization, path):
    order_make(organization)

    assert staff_client.get(path).status_code == 200
