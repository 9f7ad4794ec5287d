"""Beat housekeeping with time travel; each task run twice at once does its work once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing import tasks
from billing.models import Order, Subscription
from billing.services.fulfilment import order_status_apply
from credits.hooks import organization_tier

from ..credits.threads import run_at_once
from ..factories import UserFactory
from .conftest import credits_of, order_ledger_rows, order_make

START = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def paid_plan(organization, code="premium") -> Subscription:
    order = order_make(organization, item=f"plan:{code}", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
    return Subscription.objects.get(organization=organization, status="active")


# --- Reconcile pending orders with the gateway ----------------------------------------


@pytest.mark.django_db
def test_reconcile_catches_a_lost_webhook_after_15_minutes(midtrans, organization):
    with time_machine.travel(START, tick=False) as traveller:
        order = order_make(organization)
        midtrans.midtrans_status_set(order.order_id, "settlement", "49000.00")

        traveller.shift(timedelta(minutes=10))
        assert tasks.billing_reconcile_pending_orders() == 0
        assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING

        traveller.shift(timedelta(minutes=6))
        assert tasks.billing_reconcile_pending_orders() == 1

    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert credits_of(organization) == (100, 0)


@pytest.mark.django_db
def test_reconcile_expires_what_the_gateway_expired_and_skips_what_it_does_not_know(xendit, midtrans, organization):
    with time_machine.travel(START, tick=False) as traveller:
        expired = order_make(organization, gateway="xendit")
        xendit.xendit_invoices[expired.order_id] = {"id": "inv-x", "status": "EXPIRED", "amount": 49000}
        unknown = order_make(organization, gateway="midtrans")
        traveller.shift(timedelta(minutes=20))

        tasks.billing_reconcile_pending_orders()

    assert Order.objects.get(pk=expired.pk).status == Order.Status.EXPIRED
    assert Order.objects.get(pk=unknown.pk).status == Order.Status.PENDING


@pytest.mark.django_db
def test_reconcile_keeps_going_when_the_gateway_is_down(midtrans, organization):
    with time_machine.travel(START, tick=False) as traveller:
        order = order_make(organization)
        midtrans.failing = True
        traveller.shift(timedelta(minutes=20))

        assert tasks.billing_reconcile_pending_orders() == 0

    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_reconcile_twice_at_once_grants_once(midtrans, organization):
    with time_machine.travel(START, tick=False) as traveller:
        orders = [order_make(organization) for _ in range(3)]
        for order in orders:
            midtrans.midtrans_status_set(order.order_id, "settlement", "49000.00")
        traveller.shift(timedelta(minutes=16))

        results = run_at_once(lambda i: tasks.billing_reconcile_pending_orders(), threads=2)

    assert [r.error for r in results] == [None, None]
    assert sum(r.value for r in results) == 3
    assert credits_of(organization) == (300, 0)
    assert all(order_ledger_rows(order) == 1 for order in orders)


# --- Trials and subscriptions ---------------------------------------------------------


@pytest.mark.django_db
def test_a_trial_expires_after_its_days(settings):
    with time_machine.travel(START, tick=False) as traveller:
        user = UserFactory()
        organization = user.organizations.get()
        trial = Subscription.objects.get(organization=organization)
        assert (trial.plan.code, trial.status) == ("trial", "active")

        traveller.shift(timedelta(days=settings.TRIAL_DAYS) - timedelta(minutes=1))
        assert tasks.billing_expire_trials() == 0
        traveller.shift(timedelta(minutes=2))
        assert tasks.billing_expire_trials() == 1
        assert tasks.billing_expire_trials() == 0

    assert Subscription.objects.get(pk=trial.pk).status == Subscription.Status.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_expiring_trials_twice_at_once_expires_each_once():
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(4):
            UserFactory()
        traveller.shift(timedelta(days=8))

        results = run_at_once(lambda i: tasks.billing_expire_trials(), threads=2)

    assert [r.error for r in results] == [None, None]
    assert sum(r.value for r in results) == 4
    assert Subscription.objects.filter(status="expired").count() == 4


@pytest.mark.django_db
def test_a_subscription_past_its_period_and_grace_expires_and_only_the_daily_rate_falls_back(organization, settings):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization, "pro")
        assert organization_tier(organization).paid is True

        traveller.shift(timedelta(days=30, minutes=1))
        assert organization_tier(organization).paid is True  # the grace period keeps the plan
        assert tasks.billing_expire_subscriptions() == 1  # past due
        assert Subscription.objects.get(pk=subscription.pk).status == Subscription.Status.PAST_DUE
        traveller.shift(timedelta(days=settings.BILLING_GRACE_DAYS))
        # Past the grace even before the task runs: the entry plan's daily rate, credits still spendable.
        assert (organization_tier(organization).code, organization_tier(organization).daily_limit) == ("credits", 100)
        assert tasks.billing_expire_subscriptions() == 1
        assert tasks.billing_expire_subscriptions() == 0

    assert Subscription.objects.get(pk=subscription.pk).status == Subscription.Status.EXPIRED
    assert organization_tier(organization).code == "credits"


@pytest.mark.django_db
def test_a_subscription_extended_in_time_does_not_expire(organization):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        traveller.shift(timedelta(days=29))
        paid_plan(organization)
        traveller.shift(timedelta(days=2))

        assert tasks.billing_expire_subscriptions() == 0

    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert subscription.current_period_end == START + timedelta(days=60)


@pytest.mark.django_db(transaction=True)
def test_expiring_subscriptions_twice_at_once_expires_each_once(organization):
    with time_machine.travel(START, tick=False) as traveller:
        paid_plan(organization)
        traveller.shift(timedelta(days=31))

        results = run_at_once(lambda i: tasks.billing_expire_subscriptions(), threads=2)

    assert sorted(r.value for r in results) == [0, 1]


# --- Renewal reminders ----------------------------------------------------------------


@pytest.mark.django_db
def test_reminders_go_out_once_each_at_seven_three_and_one_days_before_the_period_ends(organization, owner, mailoutbox):
    with time_machine.travel(START, tick=False) as traveller:
        paid_plan(organization)

        traveller.shift(timedelta(days=22, hours=23))  # 7 days and 1 hour left
        assert tasks.billing_send_renewal_reminders() == 0
        sent = []
        for days_left in (7, 3, 1):
            traveller.move_to(START + timedelta(days=30 - days_left, hours=1))
            sent.append(tasks.billing_send_renewal_reminders())
            sent.append(tasks.billing_send_renewal_reminders())

    assert sent == [1, 0, 1, 0, 1, 0]
    assert [m.to for m in mailoutbox] == [["owner@example.com"]] * 3
    assert "Rp 99,000" in mailoutbox[0].body


@pytest.mark.django_db
def test_a_renewed_period_gets_its_own_reminder(organization, owner, mailoutbox):
    with time_machine.travel(START, tick=False) as traveller:
        paid_plan(organization)
        traveller.shift(timedelta(days=28))
        tasks.billing_send_renewal_reminders()
        paid_plan(organization)  # renewed: the period now ends 30 days later

        traveller.shift(timedelta(days=30))
        tasks.billing_send_renewal_reminders()

    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_the_reminder_speaks_bahasa_indonesia_to_who_paid_in_it(organization, owner, mailoutbox):
    with time_machine.travel(START, tick=False) as traveller:
        order = order_make(organization, item="plan:pro", gateway="dev")
        Order.objects.filter(pk=order.pk).update(language="id")
        order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement")
        traveller.shift(timedelta(days=28))
        tasks.billing_send_renewal_reminders()

    assert "berakhir" in mailoutbox[0].subject


@pytest.mark.django_db(transaction=True)
def test_reminders_twice_at_once_send_one_email(organization, owner, mailoutbox):
    with time_machine.travel(START, tick=False) as traveller:
        paid_plan(organization)
        traveller.shift(timedelta(days=28))

        results = run_at_once(lambda i: tasks.billing_send_renewal_reminders(), threads=2)

    assert sorted(r.value for r in results) == [0, 1]
    assert len([m for m in mailoutbox if "ends on" in m.subject]) == 1  # besides the receipt


# --- Stale orders ---------------------------------------------------------------------


@pytest.mark.django_db
def test_orders_pending_over_24_hours_expire(organization):
    with time_machine.travel(START, tick=False) as traveller:
        stale = order_make(organization, gateway="dev")
        paid = order_make(organization, gateway="dev")
        order_status_apply(order_id=paid.order_id, status="paid", raw_status="settlement")

        traveller.shift(timedelta(hours=23))
        assert tasks.billing_expire_stale_orders() == 0
        traveller.shift(timedelta(hours=2))
        assert tasks.billing_expire_stale_orders() == 1
        assert tasks.billing_expire_stale_orders() == 0

    assert Order.objects.get(pk=stale.pk).status == Order.Status.EXPIRED
    assert Order.objects.get(pk=paid.pk).status == Order.Status.PAID


@pytest.mark.django_db(transaction=True)
def test_expiring_stale_orders_twice_at_once_expires_each_once(organization):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            order_make(organization, gateway="dev")
        traveller.shift(timedelta(hours=25))

        results = run_at_once(lambda i: tasks.billing_expire_stale_orders(), threads=2)

    assert sum(r.value for r in results) == 5
    assert Order.objects.filter(status="expired").count() == 5
