"""The card check's 10.000 IDR goes back, or staff are told: after the card is saved MODO
cancels the check at Midtrans (the stub refuses a cancel when told to, or when the check has
settled, as Midtrans does); a refused or failed cancel stays pending, beat tries again, and
after BILLING_GATEWAY_RELEASE_TRIES MODO asks Midtrans for a refund (`POST
/v2/{order_id}/refund`, the stub strict on body, key and state: settled only, one refund per
refund_key) when the status API says the check settled; a refused refund, or a check that is
not settled, is flagged "Refund by hand" in the admin."""

import base64
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing import tasks
from billing.models import CardCheck, Subscription

from .conftest import MIDTRANS_KEY
from .test_card_check import notify, start_check
from .test_tasks import paid_plan

START = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def cancels(stub, order_id: str) -> int:
    return len(stub.sent("POST", f"/v2/{order_id}/cancel"))


def card_saved(owner, organization, midtrans, capture_callbacks, *, outcome="capture", before_cancel=None) -> str:
    """A card check confirmed by Midtrans (auto-renewal on); its order id. `before_cancel`
    runs between the commit and the cancel MODO then sends."""
    paid_plan(organization)
    _client, order_id = start_check(owner, organization)
    with capture_callbacks() as callbacks:
        answer = notify(midtrans.midtrans_3ds_done(order_id, outcome, key=MIDTRANS_KEY))
    assert answer.json()["verdict"] == "processed"
    assert Subscription.objects.get(organization=organization, status="active").renewal_mode == "auto"
    if before_cancel:
        before_cancel(order_id)
    for callback in callbacks:
        callback()
    midtrans.failing = False
    return order_id


def test_the_retry_runs_on_beat(settings):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("retry_gateway_releases")]
    assert entries == [{"task": "billing.tasks.billing_retry_gateway_releases", "schedule": 600}]
    assert settings.BILLING_GATEWAY_RELEASE_TRIES == 6


@pytest.mark.django_db
@pytest.mark.parametrize("trouble", ["refused", "down"])
def test_a_cancel_refused_or_failed_stays_pending_and_beat_cancels_it_later(
    owner, organization, midtrans, django_capture_on_commit_callbacks, trouble
):
    def make_trouble(order_id):
        if trouble == "refused":
            midtrans.midtrans_cancel_refusals[order_id] = 1
        else:
            midtrans.failing = True

    with time_machine.travel(START, tick=False) as traveller:
        order_id = card_saved(
            owner, organization, midtrans, django_capture_on_commit_callbacks, before_cancel=make_trouble
        )

        check = CardCheck.objects.get(order_id=order_id)
        assert (check.release, check.release_tries, check.voided_at) == ("pending", 1, None)
        assert check.release_error.startswith("Midtrans:")
        assert midtrans.midtrans_statuses[order_id]["transaction_status"] == "capture"  # still held

        traveller.shift(timedelta(minutes=4))
        assert tasks.billing_retry_gateway_releases() == 0  # tried a moment ago: not yet
        assert cancels(midtrans, order_id) == 1

        traveller.shift(timedelta(minutes=6))
        assert tasks.billing_retry_gateway_releases() == 1
        assert tasks.billing_retry_gateway_releases() == 0  # done: never again

    check.refresh_from_db()
    assert (check.release, check.release_tries, check.release_error) == ("released", 2, "")
    assert check.voided_at is not None
    assert midtrans.midtrans_statuses[order_id]["transaction_status"] == "cancel"  # the money went back
    assert cancels(midtrans, order_id) == 2
    assert Subscription.objects.get(organization=organization, status="active").renewal_mode == "auto"


def refunds(stub, order_id: str) -> list:
    return stub.sent("POST", f"/v2/{order_id}/refund")


def beat_runs(traveller, times: int = 7) -> None:
    for _ in range(times):
        traveller.shift(timedelta(minutes=10))
        tasks.billing_retry_gateway_releases()


@pytest.mark.django_db
def test_a_settled_check_midtrans_will_not_cancel_is_refunded_once_the_cancels_are_spent(
    owner, organization, midtrans, django_capture_on_commit_callbacks, staff_client
):
    with time_machine.travel(START, tick=False) as traveller:
        # Settled before MODO's cancel: Midtrans refuses to cancel it, every time.
        order_id = card_saved(owner, organization, midtrans, django_capture_on_commit_callbacks, outcome="settlement")
        beat_runs(traveller, 4)
        assert refunds(midtrans, order_id) == []  # tries 1 to 5 only cancel
        beat_runs(traveller, 3)

    check = CardCheck.objects.get(order_id=order_id)
    assert (check.release, check.release_tries, check.release_error) == ("refunded", 6, "")
    assert check.voided_at is not None
    assert cancels(midtrans, order_id) == 6  # bounded: the 7th beat run asked nothing
    [refund] = refunds(midtrans, order_id)
    assert refund.headers["authorization"] == "Basic " + base64.b64encode(f"{MIDTRANS_KEY}:".encode()).decode()
    assert refund.body["refund_key"] == f"{order_id}-refund" and refund.body["amount"] == 10000
    assert refund.body["reason"]
    assert midtrans.midtrans_statuses[order_id]["transaction_status"] == "refund"  # the money went back
    assert midtrans.sent("GET", f"/v2/{order_id}/status")  # settled, as the status API said, before refunding
    assert order_id not in staff_client.get("/admin/billing/cardcheck/?release__exact=failed").content.decode()
    listed = staff_client.get("/admin/billing/cardcheck/?release__exact=refunded").content.decode()
    assert order_id in listed and "Refunded at Midtrans" in listed


@pytest.mark.django_db
def test_a_refund_midtrans_refuses_too_is_flagged_for_staff(
    owner, organization, midtrans, django_capture_on_commit_callbacks, staff_client
):
    with time_machine.travel(START, tick=False) as traveller:
        order_id = card_saved(owner, organization, midtrans, django_capture_on_commit_callbacks, outcome="settlement")
        midtrans.midtrans_refund_refusals[order_id] = 1
        beat_runs(traveller)

    check = CardCheck.objects.get(order_id=order_id)
    assert (check.release, check.release_tries, check.voided_at) == ("failed", 6, None)
    assert len(refunds(midtrans, order_id)) == 1 and cancels(midtrans, order_id) == 6
    assert "did not cancel this check in 6 tries, nor refund it: refund 10000 IDR by hand" in check.release_error
    assert "412" in check.release_error  # Midtrans' own answer, for staff
    assert midtrans.midtrans_statuses[order_id]["transaction_status"] == "settlement"  # still held
    flagged = staff_client.get("/admin/billing/cardcheck/?release__exact=failed").content.decode()
    assert order_id in flagged and "Refund by hand" in flagged and "refund 10000 IDR by hand" in flagged
    assert order_id not in staff_client.get("/admin/billing/cardcheck/?release__exact=pending").content.decode()


@pytest.mark.django_db
def test_a_check_midtrans_does_not_say_settled_is_not_refunded_but_flagged(
    owner, organization, midtrans, django_capture_on_commit_callbacks
):
    """A charged-back check, say: the customer has the money back already; a refund would pay twice."""

    def charged_back(order_id):
        midtrans.midtrans_statuses[order_id]["transaction_status"] = "chargeback"

    with time_machine.travel(START, tick=False) as traveller:
        order_id = card_saved(
            owner, organization, midtrans, django_capture_on_commit_callbacks, before_cancel=charged_back
        )
        beat_runs(traveller)

    check = CardCheck.objects.get(order_id=order_id)
    assert (check.release, check.release_tries) == ("failed", 6)
    assert refunds(midtrans, order_id) == []
    assert "the check is chargeback there" in check.release_error


@pytest.mark.django_db
def test_a_refund_whose_answer_was_lost_is_done_once(owner, organization, midtrans, django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False) as traveller:
        order_id = card_saved(owner, organization, midtrans, django_capture_on_commit_callbacks, outcome="settlement")
        midtrans.midtrans_refund_answers_lost = 1  # Midtrans refunds, its answer never arrives
        beat_runs(traveller)

    check = CardCheck.objects.get(order_id=order_id)
    assert (check.release, check.release_error) == ("refunded", "")  # its status API says refunded
    assert len(refunds(midtrans, order_id)) == 1
    assert midtrans.midtrans_statuses[order_id]["refund_amount"] == "10000.00"  # once, not twice


@pytest.mark.django_db
def test_a_check_cancelled_already_is_done_not_retried(
    owner, organization, midtrans, django_capture_on_commit_callbacks
):
    """Midtrans refuses to cancel a check it cancelled already (MODO's earlier cancel whose
    answer was lost, say): its status API says so, and the check counts as given back."""

    def cancelled_meanwhile(order_id):
        midtrans.midtrans_statuses[order_id]["transaction_status"] = "cancel"

    order_id = card_saved(
        owner, organization, midtrans, django_capture_on_commit_callbacks, before_cancel=cancelled_meanwhile
    )

    check = CardCheck.objects.get(order_id=order_id)
    assert (check.release, check.release_tries, check.release_error) == ("released", 1, "")
    assert midtrans.sent("GET", f"/v2/{order_id}/status")  # asked before calling it done


@pytest.mark.django_db
def test_a_replayed_confirmation_asks_no_second_cancel(
    owner, organization, midtrans, django_capture_on_commit_callbacks
):
    order_id = card_saved(owner, organization, midtrans, django_capture_on_commit_callbacks)
    body = midtrans.midtrans_3ds_done(order_id, "capture", key=MIDTRANS_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        assert notify(body).json()["verdict"] == "ignored"

    assert cancels(midtrans, order_id) == 1
    assert CardCheck.objects.get(order_id=order_id).release == "released"
