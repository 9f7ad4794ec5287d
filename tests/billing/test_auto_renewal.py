"""Auto-renewal through the gateways' recurring APIs (stub servers speaking their wire
formats) and the dev gateway; every delivery order of the charge notifications extends once."""

import json
from datetime import datetime, timedelta
from itertools import permutations
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from accounts.models import Membership
from billing.gateways.midtrans import midtrans_signature
from billing.models import GopayLink, Order, Subscription
from billing.services.fulfilment import order_status_apply

from ..factories import MembershipFactory, UserFactory
from .conftest import CARD_TOKEN, MIDTRANS_KEY, XENDIT_TOKEN, credits_of, order_make, post_raw
from .test_dev_gateway import signed_in

START = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
END = START + timedelta(days=30)
MIDTRANS_ORDERS = sorted(set(permutations(["pending", "settlement", "settlement", "deny"])))
XENDIT_ORDERS = sorted(
    set(
        permutations(
            [
                "recurring.cycle.created",
                "recurring.cycle.succeeded",
                "recurring.cycle.succeeded",
                "recurring.cycle.failed",
            ]
        )
    )
)


def paid_plan(organization, code="premium") -> Subscription:
    order = order_make(organization, item=f"plan:{code}", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
    return Subscription.objects.get(organization=organization, status="active")


def subscription_notification(*, subscription_pk: int, unique: int, status: str, key: str, amount=99000) -> bytes:
    """A Midtrans subscription charge as documented: order_id "SUBS-" + the subscription's name
    (MODO names it MODOSUB + 10 digits of its id) and a 10-digit unique number; no other field
    names the subscription."""
    status_code = {"settlement": "200", "pending": "201", "deny": "202"}[status]
    gross_amount = f"{amount}.00"
    order_id = f"SUBS-MODOSUB{subscription_pk:010d}-{unique:010d}"
    return json.dumps(
        {
            "transaction_time": "2026-12-02 09:00:00",
            "transaction_status": status,
            "transaction_id": f"tx-{unique}",
            "status_message": "midtrans payment notification",
            "status_code": status_code,
            "signature_key": midtrans_signature(
                order_id=order_id, status_code=status_code, gross_amount=gross_amount, server_key=key
            ),
            "payment_type": "credit_card",
            "order_id": order_id,
            "gross_amount": gross_amount,
            "fraud_status": "deny" if status == "deny" else "accept",
            "currency": "IDR",
        }
    ).encode()


def xendit_cycle(*, plan_id: str, cycle_id: str, event: str, amount: int = 99000) -> bytes:
    status = {"created": "PENDING", "succeeded": "SUCCEEDED", "failed": "FAILED", "retrying": "RETRYING"}
    return json.dumps(
        {
            "event": event,
            "business_id": "biz-stub",
            "created": "2026-12-02T02:00:00.000Z",
            "data": {
                "id": cycle_id,
                "plan_id": plan_id,
                "reference_id": "modo-cycle",
                "customer_id": "cust-1",
                "recurring_action": "PAYMENT",
                "type": "SCHEDULED",
                "status": status[event.rsplit(".", 1)[-1]],
                "currency": "IDR",
                "amount": amount,
                "cycle_number": 1,
                "attempt_count": 1,
                "scheduled_timestamp": "2026-12-02T02:00:00.000Z",
                "created": "2026-12-02T02:00:00.000Z",
                "updated": "2026-12-02T02:00:00.000Z",
            },
        }
    ).encode()


def auto_renew(owner_api, gateway: str, token: str):
    return owner_api.post(
        "/api/billing/subscription/auto-renewal", {"gateway": gateway, "payment_token": token}, format="json"
    )


@pytest.mark.django_db
def test_midtrans_auto_renewal_creates_a_subscription_in_its_wire_format(organization, owner_api, midtrans):
    with time_machine.travel(START, tick=False):
        paid_plan(organization)

        saved = midtrans.midtrans_saved_token_issue()  # a saved_token_id from an earlier card charge

        answer = auto_renew(owner_api, "midtrans", saved)

    assert answer.status_code == 200 and answer.json()["renewal_mode"] == "auto"
    [sent] = midtrans.sent("POST", "/v1/subscriptions")
    assert sent.headers["authorization"].startswith("Basic ")
    assert (sent.body["amount"], sent.body["currency"], sent.body["payment_type"]) == ("99000", "IDR", "credit_card")
    assert sent.body["token"] == saved
    assert sent.body["schedule"] | {"max_interval": 0} == {
        "interval": 30,
        "interval_unit": "day",
        "max_interval": 0,
        "start_time": "2026-12-02 09:00:00 +0700",
    }
    subscription = Subscription.objects.get(organization=organization, status="active")
    assert (subscription.auto_renewal_gateway, subscription.auto_renewal_reference) == ("midtrans", "midtrans-sub-1")


def gopay_linked_on_the_page(owner, organization, stub, *, enabled=True) -> str:
    """The owner's "Link GoPay" on the page; the account_id Midtrans gave (ENABLED if asked)."""
    answer = signed_in(owner, organization).post(
        "/billing/auto-renewal/", {"gateway": "midtrans", "phone_number": "081234567890"}
    )
    assert answer.status_code == 302
    account_id = stub.sent("POST", "/v2/pay/account")[-1].answer_id
    if enabled:
        stub.midtrans_gopay_link_done(account_id)  # linked in GoPay: Get Pay Account says ENABLED
    return account_id


@pytest.mark.django_db
def test_a_gopay_account_is_charged_as_gopay_with_its_payment_option_token(owner, organization, owner_api, midtrans):
    paid_plan(organization)
    account_id = gopay_linked_on_the_page(owner, organization, midtrans)

    answer = auto_renew(owner_api, "midtrans", f"gopay:{account_id}")

    assert answer.status_code == 200 and answer.json()["renewal_mode"] == "auto"
    [sent] = midtrans.sent("POST", "/v1/subscriptions")
    assert (sent.body["payment_type"], sent.body["token"], sent.body["gopay"]) == (
        "gopay",
        midtrans.midtrans_gopay_token(account_id),  # GOPAY_WALLET's token, not the account id
        {"account_id": account_id},
    )
    assert GopayLink.objects.get(account_id=account_id).status == "linked"


@pytest.mark.django_db
def test_a_gopay_account_not_enabled_is_refused_and_renewal_stays_manual(owner, organization, owner_api, midtrans):
    subscription = paid_plan(organization)
    account_id = gopay_linked_on_the_page(owner, organization, midtrans, enabled=False)

    answer = auto_renew(owner_api, "midtrans", f"gopay:{account_id}")  # still PENDING at Midtrans

    assert (answer.status_code, answer.json()["code"]) == (400, "VALIDATION_ERROR")
    assert midtrans.sent("POST", "/v1/subscriptions") == []
    subscription.refresh_from_db()
    assert subscription.renewal_mode == "manual"


@pytest.mark.django_db
def test_a_gopay_account_another_organization_linked_is_refused(owner, organization, other_organization, midtrans):
    paid_plan(organization)
    paid_plan(other_organization)
    account_id = gopay_linked_on_the_page(owner, organization, midtrans)
    stranger = UserFactory(email="stranger@example.com")
    MembershipFactory(user=stranger, organization=other_organization, role=Membership.Role.OWNER)
    api = APIClient()
    api.force_authenticate(stranger)
    api.credentials(HTTP_X_ORGANIZATION=str(other_organization.id))

    answer = auto_renew(api, "midtrans", f"gopay:{account_id}")

    assert (answer.status_code, answer.json()["code"]) == (400, "VALIDATION_ERROR")
    assert midtrans.sent("POST", "/v1/subscriptions") == []
    assert Subscription.objects.get(organization=other_organization, status="active").renewal_mode == "manual"


@pytest.mark.django_db
def test_a_midtrans_charge_confirmed_by_its_status_api_renews_once(organization, owner_api, midtrans, api_client):
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        auto_renew(owner_api, "midtrans", midtrans.midtrans_saved_token_issue())
        traveller.move_to(END)
        body = midtrans.midtrans_subscription_charge("midtrans-sub-1", unique=1, status="settlement", key=MIDTRANS_KEY)
        order_id = json.loads(body)["order_id"]
        midtrans.midtrans_status_set(order_id, "settlement", "99000.00")

        answers = [post_raw(api_client, "/api/webhooks/midtrans", body).status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    assert order_id == f"SUBS-MODOSUB{subscription.pk:010d}-0000000001"
    subscription.refresh_from_db()
    assert (subscription.current_period_start, subscription.current_period_end) == (END, END + timedelta(days=30))
    assert credits_of(organization) == (600, 0)
    assert Order.objects.get(order_id=order_id).purpose == "renewal"


@pytest.mark.django_db
@pytest.mark.parametrize("deliveries", MIDTRANS_ORDERS, ids="-".join)
def test_dev_simulated_midtrans_charge_notifications_in_any_order_extend_once(organization, owner_api, deliveries):
    client = APIClient()
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        auto_renew(owner_api, "dev", "dev-card")
        traveller.move_to(END - timedelta(hours=1))

        for status in deliveries:
            body = subscription_notification(
                subscription_pk=subscription.pk, unique=1, status=status, key=django_settings.BILLING_DEV_SERVER_KEY
            )
            assert post_raw(client, "/api/webhooks/midtrans", body).status_code == 200

    subscription.refresh_from_db()
    assert subscription.current_period_end == END + timedelta(days=30)
    assert credits_of(organization) == (600, 0)
    assert Order.objects.get(order_id=f"SUBS-MODOSUB{subscription.pk:010d}-0000000001").status == "paid"


@pytest.mark.django_db
def test_xendit_auto_renewal_creates_a_recurring_plan_over_http(organization, owner_api, xendit):
    with time_machine.travel(START, tick=False):
        paid_plan(organization)

        answer = auto_renew(owner_api, "xendit", "cust-123/pm-456")

    assert answer.status_code == 200
    [sent] = xendit.sent("POST", "/recurring/plans")
    assert (sent.body["customer_id"], sent.body["recurring_action"], sent.body["amount"]) == (
        "cust-123",
        "PAYMENT",
        99000,
    )
    assert sent.body["schedule"]["interval"] == "DAY" and sent.body["schedule"]["interval_count"] == 30
    assert sent.body["payment_methods"] == [{"payment_method_id": "pm-456", "rank": 1}]
    assert Subscription.objects.get(organization=organization, status="active").auto_renewal_reference == "repl-1"


@pytest.mark.django_db
@pytest.mark.parametrize("deliveries", XENDIT_ORDERS, ids=lambda d: "-".join(e.rsplit(".", 1)[-1] for e in d))
def test_xendit_cycle_webhooks_in_any_order_extend_once(organization, owner_api, xendit, deliveries):
    client = APIClient()
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        auto_renew(owner_api, "xendit", "cust-1/pm-1")
        traveller.move_to(END)

        for event in deliveries:
            body = xendit_cycle(plan_id="repl-1", cycle_id="rrc-1", event=event)
            assert post_raw(client, "/api/webhooks/xendit", body, HTTP_X_CALLBACK_TOKEN=XENDIT_TOKEN).status_code == 200

    subscription.refresh_from_db()
    assert subscription.current_period_end == END + timedelta(days=30)
    assert credits_of(organization) == (600, 0)


@pytest.mark.django_db
def test_a_replayed_charge_after_the_next_period_renewed_extends_nothing(organization, owner_api, xendit):
    client = APIClient()
    with time_machine.travel(START, tick=False) as traveller:
        subscription = paid_plan(organization)
        auto_renew(owner_api, "xendit", "cust-1/pm-1")
        first = xendit_cycle(plan_id="repl-1", cycle_id="rrc-1", event="recurring.cycle.succeeded")
        post_raw(client, "/api/webhooks/xendit", first, HTTP_X_CALLBACK_TOKEN=XENDIT_TOKEN)
        traveller.shift(timedelta(days=60))
        second = xendit_cycle(plan_id="repl-1", cycle_id="rrc-2", event="recurring.cycle.succeeded")
        post_raw(client, "/api/webhooks/xendit", second, HTTP_X_CALLBACK_TOKEN=XENDIT_TOKEN)

        post_raw(client, "/api/webhooks/xendit", first, HTTP_X_CALLBACK_TOKEN=XENDIT_TOKEN)

    subscription.refresh_from_db()
    assert subscription.current_period_end == START + timedelta(days=90)
    assert credits_of(organization) == (900, 0)


@pytest.mark.django_db
def test_a_cycle_of_an_unknown_plan_is_a_404_and_changes_nothing(organization, xendit, api_client):
    paid_plan(organization)

    answer = post_raw(
        api_client,
        "/api/webhooks/xendit",
        xendit_cycle(plan_id="repl-nobody", cycle_id="rrc-9", event="recurring.cycle.succeeded"),
        HTTP_X_CALLBACK_TOKEN=XENDIT_TOKEN,
    )

    assert answer.status_code == 404
    assert not Order.objects.filter(order_id="rrc-9").exists()


@pytest.mark.django_db
def test_a_cycle_webhook_without_the_token_is_refused(organization, owner_api, xendit, api_client):
    paid_plan(organization)
    auto_renew(owner_api, "xendit", "cust-1/pm-1")

    answer = post_raw(
        api_client,
        "/api/webhooks/xendit",
        xendit_cycle(plan_id="repl-1", cycle_id="rrc-1", event="recurring.cycle.succeeded"),
    )

    assert answer.status_code == 401
    assert credits_of(organization) == (300, 0)


@pytest.mark.django_db
def test_turning_auto_renewal_off_deactivates_the_gateway_plan(organization, owner_api, xendit):
    paid_plan(organization)
    auto_renew(owner_api, "xendit", "cust-1/pm-1")

    answer = owner_api.delete("/api/billing/subscription/auto-renewal")

    assert answer.status_code == 200 and answer.json()["renewal_mode"] == "manual"
    assert [r.path for r in xendit.sent("POST", "/recurring/plans/")] == ["/recurring/plans/repl-1/deactivate"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("gateway", "token"),
    [
        ("xendit", None),
        ("xendit", ""),
        ("xendit", "   "),
        ("xendit", 42),
        ("xendit", "cust-only"),
        ("xendit", "cust-1/pm-1/../x"),
        ("midtrans", "4811111111111114"),  # a card number: card data must never reach MODO
        ("midtrans", CARD_TOKEN + "\u0000"),
        ("midtrans", "gopay:"),
        ("dev", "dev-card-4811111111111114"),
        ("dev", "x" * 5000),
    ],
)
def test_a_missing_or_malformed_payment_token_is_refused(organization, owner_api, midtrans, xendit, gateway, token):
    paid_plan(organization)

    answer = auto_renew(owner_api, gateway, token)

    assert (answer.status_code, answer.json()["code"]) == (400, "VALIDATION_ERROR")
    assert Subscription.objects.get(organization=organization, status="active").renewal_mode == "manual"
    assert xendit.requests == []  # nothing was sent to a gateway


@pytest.mark.django_db
def test_canceling_stops_the_gateways_recurring_plan(organization, owner_api, midtrans):
    paid_plan(organization)
    auto_renew(owner_api, "midtrans", midtrans.midtrans_saved_token_issue())

    answer = owner_api.post("/api/billing/subscription/cancel")

    assert (answer.status_code, answer.json()["status"], answer.json()["renewal_mode"]) == (200, "canceled", "manual")
    assert [r.path for r in midtrans.sent("POST", "/v1/subscriptions/")] == ["/v1/subscriptions/midtrans-sub-1/disable"]


@pytest.mark.django_db
def test_a_downgrade_tells_midtrans_the_next_periods_price(
    organization, owner_api, midtrans, django_capture_on_commit_callbacks
):
    paid_plan(organization, "pro")
    auto_renew(owner_api, "midtrans", midtrans.midtrans_saved_token_issue())

    with django_capture_on_commit_callbacks(execute=True):
        owner_api.post("/api/billing/subscription/downgrade", {"plan": "premium"}, format="json")

    [sent] = midtrans.sent("PATCH", "/v1/subscriptions/midtrans-sub-1")
    assert sent.body == {"amount": "99000", "currency": "IDR"}


@pytest.mark.django_db
def test_a_paid_upgrade_tells_xendit_the_new_price(organization, owner_api, xendit, django_capture_on_commit_callbacks):
    paid_plan(organization, "premium")
    auto_renew(owner_api, "xendit", "cust-1/pm-1")
    order_id = owner_api.post(
        "/api/billing/subscription/upgrade", {"plan": "pro", "gateway": "dev"}, format="json"
    ).json()["order_id"]

    with django_capture_on_commit_callbacks(execute=True):
        order_status_apply(
            order_id=order_id,
            status="paid",
            raw_status="settlement",
            amount=Order.objects.get(order_id=order_id).amount,
        )

    [sent] = xendit.sent("PATCH", "/recurring/plans/repl-1")
    assert sent.body == {"amount": 249000}
