"""The card check's 10.000 IDR goes back, or staff are told: after the card is saved MODO
cancels the check at Midtrans (the stub refuses a cancel when told to, or when the check has
settled, as Midtrans does); a refused or failed cancel stays pending, beat tries again, and
after BILLING_GATEWAY_RELEASE_TRIES the check is flagged "Refund by hand" in the admin."""

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


@pytest.mark.django_db
def test_a_check_midtrans_never_cancels_is_flagged_for_staff_after_the_tries(
    owner,
    organization,
    midtrans,
    django_capture_on_commit_callbacks,
    staff_client,  # noqa: F811
):
    with time_machine.travel(START, tick=False) as traveller:
        # Settled before MODO's cancel: Midtrans refuses to cancel it, every time.
        order_id = card_saved(owner, organization, midtrans, django_capture_on_commit_callbacks, outcome="settlement")
        for _ in range(7):
            traveller.shift(timedelta(minutes=10))
            tasks.billing_retry_gateway_releases()

    check = CardCheck.objects.get(order_id=order_id)
    assert (check.release, check.release_tries, check.voided_at) == ("failed", 6, None)
    assert cancels(midtrans, order_id) == 6  # bounded: the 7th beat run asked nothing
    assert "did not cancel this check in 6 tries: refund 10000 IDR by hand" in check.release_error
    assert "412" in check.release_error  # Midtrans' own answer, for staff
    flagged = staff_client.get("/admin/billing/cardcheck/?release__exact=failed").content.decode()
    assert order_id in flagged and "Refund by hand" in flagged and "refund 10000 IDR by hand" in flagged
    assert order_id not in staff_client.get("/admin/billing/cardcheck/?release__exact=pending").content.decode()


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
