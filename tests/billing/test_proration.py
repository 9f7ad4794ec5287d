"""Upgrades now with exact integer-rupiah proration; downgrades at the period end; previews."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from billing import tasks
from billing.models import Order, Subscription
from billing.services.fulfilment import order_status_apply

from .conftest import credits_of, order_make

START = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
END = START + timedelta(days=30)


def paid_plan(organization, code) -> Subscription:
    order = order_make(organization, item=f"plan:{code}", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
    return Subscription.objects.get(organization=organization, status="active")


def pay(order_id: str) -> None:
    order = Order.objects.get(order_id=order_id)
    order_status_apply(order_id=order_id, status="paid", raw_status="settlement", amount=order.amount)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("elapsed", "days_left", "amount", "credits"),
    [
        (timedelta(hours=1), 30, 150000, 700),  # day 1: the whole difference
        (timedelta(days=14, hours=5), 16, 80000, 373),  # day 15: 700 x 16 / 30 = 373.33 -> 373
        (timedelta(days=29, hours=23), 1, 5000, 23),  # the last day: 700 / 30 = 23.33 -> 23
    ],
)
def test_an_upgrade_is_prorated_by_the_days_left_in_whole_rupiah(
    organization, owner_api, elapsed, days_left, amount, credits
):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization, "premium")
        traveller.shift(elapsed)

        preview = owner_api.post("/api/billing/subscription/change/preview", {"plan": "pro"}, format="json").json()
        answer = owner_api.post("/api/billing/subscription/upgrade", {"plan": "pro", "gateway": "dev"}, format="json")
        pay(answer.json()["order_id"])

    assert (preview["kind"], preview["days_left"], preview["days_in_period"]) == ("upgrade", days_left, 30)
    assert (preview["amount"], preview["credits"]) == (amount, credits)
    assert answer.status_code == 201 and answer.json()["amount"] == amount
    subscription.refresh_from_db()
    assert (subscription.plan.code, subscription.current_period_end) == ("pro", END)
    assert credits_of(organization) == (300 + credits, 0)


@pytest.mark.django_db
def test_proration_rounds_down_a_fraction_of_a_rupiah(organization, owner_api):
    with time_machine.travel(START, tick=False) as traveller:
        paid_plan(organization, "pro")
        traveller.shift(timedelta(days=14, hours=2))  # 16 days left

        preview = owner_api.post("/api/billing/subscription/change/preview", {"plan": "unlimited"}, format="json")

    # (799,000 - 249,000) x 16 / 30 = 293,333.33 -> 293,333; (5,000 - 1,000) x 16 / 30 = 2,133.33 -> 2,133
    assert (preview.json()["amount"], preview.json()["credits"]) == (293333, 2133)


@pytest.mark.django_db
def test_a_downgrade_waits_for_the_period_end_and_the_renewal_is_at_the_cheaper_price(organization, owner_api):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization, "pro")
        traveller.shift(timedelta(days=10))

        preview = owner_api.post("/api/billing/subscription/change/preview", {"plan": "premium"}, format="json")
        answer = owner_api.post("/api/billing/subscription/downgrade", {"plan": "premium"}, format="json")
        assert Subscription.objects.get(pk=subscription.pk).plan.code == "pro"  # nothing changes yet
        traveller.shift(timedelta(days=14))
        tasks.billing_send_renewal_reminders()
        renewal = Order.objects.get(subscription=subscription, purpose="renewal", status="pending")
        pay(renewal.order_id)

    assert preview.json()["kind"] == "downgrade" and preview.json()["amount"] == 0
    assert datetime.fromisoformat(preview.json()["effective_at"]) == END
    assert answer.status_code == 200 and answer.json()["next_plan"] == "premium"
    assert (renewal.amount, renewal.credits) == (99000, 300)
    subscription.refresh_from_db()
    assert (subscription.plan.code, subscription.next_plan, subscription.current_period_start) == ("premium", None, END)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("plan", "code"),
    [("pro", "SAME_PLAN"), ("premium", "NOT_AN_UPGRADE"), ("gold", "VALIDATION_ERROR"), (None, "VALIDATION_ERROR")],
)
def test_upgrading_now_to_the_same_or_a_cheaper_plan_is_refused(organization, owner_api, plan, code):
    paid_plan(organization, "pro")

    answer = owner_api.post("/api/billing/subscription/upgrade", {"plan": plan, "gateway": "dev"}, format="json")

    assert (answer.status_code, answer.json()["code"]) == (400, code)
    assert not Order.objects.filter(purpose="upgrade").exists()


@pytest.mark.django_db
def test_upgrading_without_a_paid_plan_is_a_404(owner_api):
    answer = owner_api.post("/api/billing/subscription/upgrade", {"plan": "pro", "gateway": "dev"}, format="json")

    assert (answer.status_code, answer.json()["code"]) == (404, "NO_SUBSCRIPTION")


@pytest.mark.django_db
def test_an_admin_cannot_upgrade(organization, owner, admin_user):
    paid_plan(organization, "premium")
    client = APIClient()
    client.force_authenticate(admin_user)
    client.credentials(HTTP_X_ORGANIZATION=str(organization.id))

    answer = client.post("/api/billing/subscription/upgrade", {"plan": "pro", "gateway": "dev"}, format="json")

    assert (answer.status_code, answer.json()["code"]) == (403, "FORBIDDEN")


@pytest.mark.django_db
def test_the_preview_page_shows_amount_credits_and_date_before_confirming(organization, owner, client):
    with time_machine.travel(START, tick=False) as traveller:
        paid_plan(organization, "premium")
        traveller.shift(timedelta(days=14, hours=5))
        client.force_login(owner)
        session = client.session
        session["organization_id"] = str(organization.pk)
        session.save()

        page = client.get("/billing/change-plan/?plan=pro").content.decode()
        confirmed = client.post("/billing/change-plan/", {"plan": "pro", "gateway": "dev"})

    assert "Rp 80,000" in page and "373 credits" in page
    order = Order.objects.get(purpose="upgrade")
    assert confirmed.status_code == 302 and confirmed["Location"] == order.redirect_url


@pytest.mark.django_db
def test_buying_another_plan_at_full_price_while_one_runs_points_to_the_plan_change(organization, owner_api):
    paid_plan(organization, "premium")

    answer = owner_api.post("/api/billing/checkout", {"item": "plan:pro", "gateway": "dev"}, format="json")

    assert (answer.status_code, answer.json()["code"]) == (400, "PLAN_CHANGE_REQUIRED")
    assert answer.json()["change_url"] == "/billing/change-plan/?plan=pro"
    assert not Order.objects.filter(status="pending").exists()


@pytest.mark.django_db
def test_an_upgrade_withdraws_the_renewal_order_issued_at_the_old_price(organization, owner_api):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization, "premium")
        traveller.shift(timedelta(days=25))
        tasks.billing_send_renewal_reminders()
        old = Order.objects.get(purpose="renewal", status="pending")

        answer = owner_api.post("/api/billing/subscription/upgrade", {"plan": "pro", "gateway": "dev"}, format="json")
        pay(answer.json()["order_id"])
        tasks.billing_send_renewal_reminders()

    assert Order.objects.get(pk=old.pk).status == "failed"
    renewal = Order.objects.get(subscription=subscription, purpose="renewal", status="pending")
    assert (renewal.plan.code, renewal.amount) == ("pro", 249000)


@pytest.mark.django_db
def test_paying_one_upgrade_withdraws_the_other_pending_ones(organization, owner_api):
    paid_plan(organization, "premium")
    first = owner_api.post("/api/billing/subscription/upgrade", {"plan": "pro", "gateway": "dev"}, format="json")
    second = owner_api.post("/api/billing/subscription/upgrade", {"plan": "unlimited", "gateway": "dev"}, format="json")

    pay(first.json()["order_id"])

    assert Order.objects.get(order_id=second.json()["order_id"]).status == "failed"
    assert Subscription.objects.get(organization=organization, status="active").plan.code == "pro"
