"""Recurring plans stop at the gateway when a subscription expires or is replaced; renewal
links no longer due are withdrawn (and closed at the gateway); money that still arrives on
either buys a period and is flagged for staff (the late-payment rule, services.subscriptions)."""

import base64
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from billing import tasks
from billing.models import Order, Subscription
from billing.services.fulfilment import order_status_apply

from .conftest import MIDTRANS_KEY, XENDIT_SECRET_KEY, XENDIT_TOKEN, credits_of, order_make, post_raw
from .test_auto_renewal import xendit_cycle
from .test_dev_gateway import signed_in

START = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
PERIOD = timedelta(days=30)
GRACE = timedelta(days=3)


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def paid_plan(organization, code="premium") -> Subscription:
    order = order_make(organization, item=f"plan:{code}", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
    return Subscription.objects.get(organization=organization, status="active")


def auto_renew(owner_api, gateway: str, token: str) -> None:
    answer = owner_api.post(
        "/api/billing/subscription/auto-renewal", {"gateway": gateway, "payment_token": token}, format="json"
    )
    assert answer.status_code == 200, answer.content


def lapse_until_expired(traveller) -> None:
    """The beat after the period end (past due), then after the grace period (expired)."""
    traveller.move_to(START + PERIOD + timedelta(minutes=1))
    tasks.billing_expire_subscriptions()
    traveller.move_to(START + PERIOD + GRACE + timedelta(minutes=1))
    tasks.billing_expire_subscriptions()


def midtrans_charge(stub, *, unique: int, amount: int = 99000) -> bytes:
    body = stub.midtrans_subscription_charge("midtrans-sub-1", unique=unique, status="settlement", key=MIDTRANS_KEY)
    stub.midtrans_status_set(json.loads(body)["order_id"], "settlement", f"{amount}.00")
    return body


# --- The recurring plan stops at the gateway --------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the gateway calls run after commit
@pytest.mark.parametrize(
    ("gateway", "token", "stop_path", "key"),
    [
        ("midtrans", "saved", "/v1/subscriptions/midtrans-sub-1/disable", MIDTRANS_KEY),
        ("xendit", "cust-1/pm-1", "/recurring/plans/repl-1/deactivate", XENDIT_SECRET_KEY),
    ],
)
def test_expiry_stops_the_recurring_plan_at_the_gateway(
    organization, owner_api, midtrans, xendit, gateway, token, stop_path, key
):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        auto_renew(owner_api, gateway, midtrans.midtrans_saved_token_issue() if token == "saved" else token)
        traveller.move_to(START + PERIOD + timedelta(minutes=1))
        tasks.billing_expire_subscriptions()
        assert midtrans.sent("POST", stop_path) == []  # past due: the gateway keeps retrying the charge

        traveller.move_to(START + PERIOD + GRACE + timedelta(minutes=1))
        tasks.billing_expire_subscriptions()

    [stop] = midtrans.sent("POST", stop_path)
    assert stop.headers["authorization"] == basic(key)  # the stub answers 401 to any other key
    subscription.refresh_from_db()
    assert (subscription.status, subscription.renewal_mode) == ("expired", "manual")


@pytest.mark.django_db(transaction=True)  # the gateway calls run after commit
def test_staff_cancel_stops_the_recurring_plan(organization, owner_api, xendit, django_user_model):
    from billing.services.subscriptions import subscription_cancel_by_staff

    subscription = paid_plan(organization)
    auto_renew(owner_api, "xendit", "cust-1/pm-1")
    staff = django_user_model.objects.create_user(email="staff@example.com", password="x", is_staff=True)

    subscription_cancel_by_staff(subscription_id=subscription.pk, actor=staff)

    assert [r.path for r in xendit.sent("POST", "/recurring/plans/")] == ["/recurring/plans/repl-1/deactivate"]


# --- A charge that raced the stop -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the gateway calls run after commit
def test_a_xendit_charge_after_expiry_buys_a_period_from_now_once_and_is_flagged(organization, owner_api, xendit):
    client = APIClient()
    with time_machine.travel(START, tick=False) as traveller:
        paid_plan(organization)
        auto_renew(owner_api, "xendit", "cust-1/pm-1")
        lapse_until_expired(traveller)
        late = START + PERIOD + GRACE + timedelta(minutes=1)
        body = xendit_cycle(plan_id="repl-1", cycle_id="rrc-late", event="recurring.cycle.succeeded")

        answers = [
            post_raw(client, "/api/webhooks/xendit", body, HTTP_X_CALLBACK_TOKEN=XENDIT_TOKEN).status_code
            for _ in range(3)
        ]

    assert answers == [200, 200, 200]
    current = Subscription.objects.get(organization=organization, status="active")
    assert (current.plan.code, current.current_period_start, current.current_period_end) == (
        "premium",
        late,
        late + PERIOD,
    )
    assert credits_of(organization) == (600, 0)  # the first period's 300 and the late charge's 300
    order = Order.objects.get(order_id="rrc-late")
    assert (order.status, order.needs_review) == ("paid", True)
    assert "no longer due" in order.review_note


@pytest.mark.django_db(transaction=True)  # the gateway calls run after commit
def test_a_midtrans_charge_after_cancel_adds_a_period_to_the_canceled_plan(organization, owner_api, midtrans):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        auto_renew(owner_api, "midtrans", midtrans.midtrans_saved_token_issue())
        assert owner_api.post("/api/billing/subscription/cancel").status_code == 200
        traveller.move_to(START + PERIOD - timedelta(hours=1))  # Midtrans charged before it saw the disable

        answer = post_raw(APIClient(), "/api/webhooks/midtrans", midtrans_charge(midtrans, unique=7))

    assert answer.status_code == 200
    subscription.refresh_from_db()
    assert (subscription.status, subscription.current_period_end) == ("canceled", START + 2 * PERIOD)
    assert credits_of(organization) == (600, 0)
    assert Order.objects.get(subscription=subscription, purpose="renewal").needs_review


# --- Renewal links no longer due -----------------------------------------------------------


def renewal_link(owner_api, gateway: str) -> Order:
    answer = owner_api.post("/api/billing/subscription/renew", {"gateway": gateway}, format="json")
    assert answer.status_code == 201, answer.content
    return Order.objects.get(order_id=answer.json()["order_id"])


def xendit_paid(order: Order) -> bytes:
    return json.dumps(
        {
            "id": order.gateway_reference,
            "external_id": order.order_id,
            "user_id": "stub-user",
            "status": "PAID",
            "amount": order.amount,
            "paid_amount": order.amount,
            "paid_at": "2026-11-30T02:00:00.000Z",
            "payment_method": "BANK_TRANSFER",
            "payment_channel": "BCA",
            "payment_id": "pay-1",
            "currency": "IDR",
            "created": "2026-11-27T00:00:00.000Z",
            "updated": "2026-11-30T02:00:00.000Z",
        }
    ).encode()


@pytest.mark.django_db(transaction=True)  # the gateway calls run after commit
def test_a_canceled_plans_renewal_link_is_withdrawn_closed_at_xendit_and_a_late_payment_adds_a_period(
    organization, owner, owner_api, xendit
):
    client = signed_in(owner, organization)
    with time_machine.travel(START + timedelta(days=24), tick=False):
        subscription = paid_plan(organization)
        order = renewal_link(owner_api, "xendit")
        assert order.redirect_url in client.get("/billing/").content.decode()

        assert owner_api.post("/api/billing/subscription/cancel").status_code == 200

        order.refresh_from_db()
        assert (order.status, order.gateway_status) == ("failed", "canceled_by_owner")
        [expire] = xendit.sent("POST", f"/invoices/{order.gateway_reference}/expire!")
        assert expire.headers["authorization"] == basic(XENDIT_SECRET_KEY)
        page = client.get("/billing/").content.decode()
        assert order.redirect_url not in page
        assert owner_api.post(f"/api/billing/orders/{order.order_id}/pay").status_code == 404

        answer = post_raw(APIClient(), "/api/webhooks/xendit", xendit_paid(order), HTTP_X_CALLBACK_TOKEN=XENDIT_TOKEN)

    assert answer.status_code == 200
    subscription.refresh_from_db()
    order.refresh_from_db()
    # The subscription was bought at START + 24 days: one period, then one more for the late payment.
    assert (subscription.status, subscription.current_period_end) == (
        "canceled",
        START + timedelta(days=24) + 2 * PERIOD,
    )
    assert (order.status, order.needs_review) == ("paid", True)


@pytest.mark.django_db(transaction=True)  # the gateway calls run after commit
def test_a_link_left_by_a_renewal_through_another_path_is_withdrawn_and_paid_anyway_gives_one_more_period(
    organization, owner_api, midtrans
):
    with time_machine.travel(START + timedelta(days=24), tick=False):
        subscription = paid_plan(organization)
        end = subscription.current_period_end
        link = renewal_link(owner_api, "midtrans")
        midtrans.midtrans_status_set(link.order_id, "pending", "99000.00")
        paid_plan(organization)  # the same plan bought again: the period is renewed another way

        link.refresh_from_db()
        assert link.status == "failed"
        [expire] = midtrans.sent("POST", f"/v2/{link.order_id}/expire")
        assert expire.headers["authorization"] == basic(MIDTRANS_KEY)

        midtrans.midtrans_status_set(link.order_id, "settlement", "99000.00")  # the customer paid before it closed
        body = json.dumps(
            {
                "transaction_time": "2026-11-27 10:00:00",
                "transaction_status": "settlement",
                "transaction_id": "tx-1",
                "status_code": "200",
                "signature_key": _signature(link.order_id, "200", "99000.00"),
                "payment_type": "bank_transfer",
                "order_id": link.order_id,
                "gross_amount": "99000.00",
                "fraud_status": "accept",
                "currency": "IDR",
            }
        ).encode()
        answer = post_raw(APIClient(), "/api/webhooks/midtrans", body)

    assert answer.status_code == 200
    subscription.refresh_from_db()
    assert subscription.current_period_end == end + 2 * PERIOD
    assert credits_of(organization) == (900, 0)
    link.refresh_from_db()
    assert (link.status, link.needs_review) == ("paid", True)


def _signature(order_id: str, status_code: str, gross_amount: str) -> str:
    from billing.gateways.midtrans import midtrans_signature

    return midtrans_signature(
        order_id=order_id, status_code=status_code, gross_amount=gross_amount, server_key=MIDTRANS_KEY
    )


@pytest.mark.django_db(transaction=True)  # the gateway calls run after commit
def test_an_expired_plans_link_paid_late_starts_the_plan_from_now(organization, owner_api):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        traveller.move_to(START + timedelta(days=25))
        link = renewal_link(owner_api, "dev")
        lapse_until_expired(traveller)
        link.refresh_from_db()
        assert link.status == "failed"

        order_status_apply(order_id=link.order_id, status="paid", raw_status="settlement", amount=99000)

    subscription.refresh_from_db()
    assert subscription.status == "expired"
    current = Subscription.objects.get(organization=organization, status="active")
    assert current.current_period_end == START + PERIOD + GRACE + timedelta(minutes=1) + PERIOD
    assert credits_of(organization) == (600, 0)
