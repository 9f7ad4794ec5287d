"""The renewal lifecycle, beat-driven under a frozen clock: renewal order and reminders at
7/3/1 days, paid on time, paid late within the grace period, unpaid past it; cancel and resume."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from billing import tasks
from billing.gateways.dev import dev_notification_body
from billing.models import Order, Subscription
from billing.services.fulfilment import order_status_apply
from credits.hooks import organization_tier

from .conftest import credits_of, order_make, post_raw

START = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
PERIOD = timedelta(days=30)


def paid_plan(organization, code="premium") -> Subscription:
    order = order_make(organization, item=f"plan:{code}", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
    return Subscription.objects.get(organization=organization, status="active")


def pay_through_the_webhook(order: Order) -> None:
    answer = post_raw(APIClient(), "/api/webhooks/midtrans", dev_notification_body(order=order, outcome="pay"))
    assert answer.status_code == 200, answer.content


def renewal_order(subscription) -> Order:
    return Order.objects.get(subscription=subscription, purpose="renewal", status="pending")


@pytest.mark.django_db
def test_a_renewal_order_with_a_payment_link_is_issued_seven_days_before_the_end(organization, owner, mailoutbox):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        traveller.shift(timedelta(days=22, hours=23))
        tasks.billing_send_renewal_reminders()
        assert not Order.objects.filter(purpose="renewal").exists()

        traveller.shift(timedelta(hours=2))
        tasks.billing_send_renewal_reminders()

    order = renewal_order(subscription)
    assert (order.amount, order.credits, order.renews_period_end) == (99000, 300, START + PERIOD)
    assert order.redirect_url == f"/billing/dev-checkout/{order.order_id}/"
    assert f"/billing/dev-checkout/{order.order_id}/" in mailoutbox[-1].body


@pytest.mark.django_db
def test_a_renewal_paid_on_time_extends_from_the_period_end_and_grants_the_credits(organization, owner):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        traveller.shift(timedelta(days=25))
        tasks.billing_send_renewal_reminders()

        pay_through_the_webhook(renewal_order(subscription))

    subscription.refresh_from_db()
    assert (subscription.status, subscription.current_period_start) == ("active", START + PERIOD)
    assert subscription.current_period_end == START + 2 * PERIOD  # not 25 days + 30 from the payment
    assert credits_of(organization) == (600, 0)


@pytest.mark.django_db
def test_a_renewal_paid_late_within_the_grace_period_extends_from_the_old_period_end(
    organization, owner, mailoutbox, settings
):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        traveller.shift(PERIOD + timedelta(hours=1))
        assert tasks.billing_expire_subscriptions() == 1
        assert Subscription.objects.get(pk=subscription.pk).status == "past_due"
        tasks.billing_send_dunning_reminders()
        traveller.shift(timedelta(days=settings.BILLING_GRACE_DAYS - 1))

        pay_through_the_webhook(renewal_order(subscription))
        traveller.shift(timedelta(days=2))
        assert tasks.billing_expire_subscriptions() == 0

    subscription.refresh_from_db()
    assert (subscription.status, subscription.grace_ends_at) == ("active", None)
    assert subscription.current_period_end == START + 2 * PERIOD
    assert any("Payment due" in mail.subject for mail in mailoutbox)


@pytest.mark.django_db
def test_unpaid_past_the_grace_period_it_expires_with_a_daily_reminder_and_credits_stay(
    organization, owner, owner_api, mailoutbox, settings
):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        traveller.shift(PERIOD + timedelta(minutes=5))
        tasks.billing_expire_subscriptions()
        dunning = []
        for _day in range(settings.BILLING_GRACE_DAYS):
            dunning += [tasks.billing_send_dunning_reminders(), tasks.billing_send_dunning_reminders()]
            traveller.shift(timedelta(days=1))
        assert tasks.billing_expire_subscriptions() == 1
        me = owner_api.get("/api/me").json()

    assert dunning == [1, 0] * settings.BILLING_GRACE_DAYS
    assert Subscription.objects.get(pk=subscription.pk).status == "expired"
    assert not Order.objects.filter(purpose="renewal", status="pending").exists()  # withdrawn at expiry
    assert me["credits"]["total"] == 300  # bought credits stay spendable
    # The plan is gone; only the daily rate falls back, to the entry plan's (DESIGN section 6).
    tier = organization_tier(organization)
    assert (tier.code, tier.daily_limit) == ("credits", 100)


@pytest.mark.django_db
def test_the_billing_page_shows_the_past_due_banner_and_the_payment_link(organization, owner, client):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        traveller.shift(PERIOD + timedelta(minutes=5))
        tasks.billing_expire_subscriptions()
        tasks.billing_send_dunning_reminders()
        client.force_login(owner)
        session = client.session
        session["organization_id"] = str(organization.pk)
        session.save()
        page = client.get("/billing/").content.decode()

    assert "past-due-banner" in page
    assert renewal_order(subscription).redirect_url in page


@pytest.mark.django_db
def test_cancel_runs_to_the_period_end_then_expires_without_grace(organization, owner_api):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        traveller.shift(timedelta(days=10))

        answer = owner_api.post("/api/billing/subscription/cancel")
        assert (answer.status_code, answer.json()["status"]) == (200, "canceled")
        assert organization_tier(organization).paid is True
        traveller.shift(timedelta(days=20, minutes=1))
        tasks.billing_send_renewal_reminders()
        assert tasks.billing_expire_subscriptions() == 1

    assert Subscription.objects.get(pk=subscription.pk).status == "expired"
    assert not Order.objects.filter(purpose="renewal").exists()
    assert credits_of(organization) == (300, 0)


@pytest.mark.django_db
def test_resume_before_the_end_keeps_the_plan(organization, owner_api):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        owner_api.post("/api/billing/subscription/cancel")
        traveller.shift(timedelta(days=29))

        answer = owner_api.post("/api/billing/subscription/resume")
        again = owner_api.post("/api/billing/subscription/resume")

    assert (answer.status_code, answer.json()["status"]) == (200, "active")
    assert (again.status_code, again.json()["code"]) == (400, "NOT_CANCELED")
    assert Subscription.objects.get(pk=subscription.pk).status == "active"


@pytest.mark.django_db
def test_only_owners_cancel(organization, owner, admin_user, member):
    paid_plan(organization)
    for user in (admin_user, member):
        client = APIClient()
        client.force_authenticate(user)
        client.credentials(HTTP_X_ORGANIZATION=str(organization.id))

        answer = client.post("/api/billing/subscription/cancel")

        assert (answer.status_code, answer.json()["code"]) == (403, "FORBIDDEN")
    assert Subscription.objects.get(organization=organization, plan__code="premium").status == "active"


@pytest.mark.django_db
def test_it_hides_other_organizations_renewal_orders(organization, owner_api, other_organization):
    with time_machine.travel(START, tick=False) as traveller:
        theirs = paid_plan(other_organization)
        traveller.shift(timedelta(days=25))
        tasks.billing_send_renewal_reminders()
        order = renewal_order(theirs)

        answer = owner_api.post(f"/api/billing/orders/{order.order_id}/pay")

    assert (answer.status_code, answer.json()["code"]) == (404, "NOT_FOUND")
    assert Order.objects.get(pk=order.pk).status == "pending"


@pytest.mark.django_db
def test_an_owner_gets_the_renewal_payment_link_on_demand(organization, owner_api):
    paid_plan(organization)

    answer = owner_api.post("/api/billing/subscription/renew", {}, format="json")
    again = owner_api.post("/api/billing/subscription/renew", {}, format="json")

    assert answer.status_code == 201 and answer.json()["amount"] == 99000
    assert again.json()["order_id"] == answer.json()["order_id"]  # one renewal order per period
    paid = owner_api.post(f"/api/billing/orders/{answer.json()['order_id']}/pay")
    assert paid.status_code == 200 and paid.json()["redirect_url"].startswith("/billing/dev-checkout/")
