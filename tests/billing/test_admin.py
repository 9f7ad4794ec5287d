import pytest

from billing.models import Order, WebhookEvent

from .conftest import credits_of, midtrans_notification, order_make, post_raw


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


@pytest.mark.django_db
def test_staff_list_upcoming_renewals_and_past_due_and_extend_with_an_audit_entry(staff_client, organization):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from audit.models import StaffAction
    from billing import tasks
    from billing.models import Subscription
    from billing.services.fulfilment import order_status_apply

    now = timezone.now()
    with time_machine.travel(now, tick=False) as traveller:
        order = order_make(organization, item="plan:premium", gateway="dev")
        order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
        traveller.shift(timedelta(days=25))
        upcoming = staff_client.get("/admin/billing/subscription/?renewal=upcoming").content.decode()
        traveller.shift(timedelta(days=6))
        tasks.billing_expire_subscriptions()
        past_due = staff_client.get("/admin/billing/subscription/?renewal=past_due").content.decode()
        subscription = Subscription.objects.get(organization=organization, status="past_due")

        staff_client.post(
            "/admin/billing/subscription/", {"action": "extend_seven_days", "_selected_action": [subscription.pk]}
        )

    assert organization.name in upcoming and organization.name in past_due
    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert subscription.current_period_end == now + timedelta(days=37)
    entry = StaffAction.objects.get(action=StaffAction.Action.SUBSCRIPTION_CHANGE, target_id=str(subscription.pk))
    assert entry.before["status"] == "past_due" and entry.after["status"] == "active"


@pytest.mark.django_db
def test_staff_cancel_at_period_end_writes_an_audit_entry(staff_client, organization):
    from audit.models import StaffAction
    from billing.models import Subscription
    from billing.services.fulfilment import order_status_apply

    order = order_make(organization, item="plan:pro", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
    subscription = Subscription.objects.get(organization=organization, status="active")

    staff_client.post(
        "/admin/billing/subscription/", {"action": "cancel_at_period_end", "_selected_action": [subscription.pk]}
    )

    assert Subscription.objects.get(pk=subscription.pk).status == "canceled"
    assert StaffAction.objects.filter(target_id=str(subscription.pk), after={"status": "canceled"}).exists()
