"""Beat expires auto-renewal setups whose confirmation never came (a card check's 3DS or a
GoPay linking left unfinished): after BILLING_AUTO_RENEWAL_SETUP_EXPIRY_MINUTES /billing/
stops saying "pending" and says it was not confirmed in time; a confirmation arriving later
turns nothing on, and a late card check's money is given back."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing import tasks
from billing.models import CardCheck, GopayLink, Subscription

from .conftest import MIDTRANS_KEY
from .test_card_check import notify, start_check
from .test_dev_gateway import signed_in
from .test_gopay_link import RETURN, link_start
from .test_tasks import paid_plan

START = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def renewal_mode(organization) -> str:
    return Subscription.objects.get(organization=organization, status="active").renewal_mode


def test_the_expiry_runs_on_beat(settings):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("expire_auto_renewal_setups")]
    assert entries == [{"task": "billing.tasks.billing_expire_auto_renewal_setups", "schedule": 600}]
    assert settings.BILLING_AUTO_RENEWAL_SETUP_EXPIRY_MINUTES == 60


@pytest.mark.django_db
def test_a_card_check_never_confirmed_expires_after_an_hour_and_a_late_capture_is_voided(
    owner, organization, midtrans, django_capture_on_commit_callbacks
):
    with time_machine.travel(START, tick=False) as traveller:
        paid_plan(organization)
        client, order_id = start_check(owner, organization)

        traveller.shift(timedelta(minutes=59))
        assert tasks.billing_expire_auto_renewal_setups() == 0
        assert "confirms your bank's card check" in client.get("/billing/").content.decode()

        traveller.shift(timedelta(minutes=2))
        assert tasks.billing_expire_auto_renewal_setups() == 1
        assert tasks.billing_expire_auto_renewal_setups() == 0  # run again: nothing more

        assert CardCheck.objects.get(order_id=order_id).status == "expired"
        page = client.get("/billing/").content.decode()
        assert "confirms your bank's card check" not in page
        assert "Midtrans did not confirm the check in time" in page

        body = midtrans.midtrans_3ds_done(order_id, "capture", key=MIDTRANS_KEY)  # the bank, too late
        with django_capture_on_commit_callbacks(execute=True):
            answer = notify(body)

    assert (answer.status_code, answer.json()["verdict"]) == (200, "ignored")
    assert midtrans.sent("POST", "/v1/subscriptions") == []
    assert renewal_mode(organization) == "manual"
    assert midtrans.midtrans_statuses[order_id]["transaction_status"] == "cancel"  # the money went back
    assert CardCheck.objects.get(order_id=order_id).voided_at is not None


@pytest.mark.django_db
def test_a_gopay_linking_never_confirmed_expires_and_a_late_link_turns_nothing_on(owner, organization, midtrans):
    with time_machine.travel(START, tick=False) as traveller:
        paid_plan(organization)
        client = signed_in(owner, organization)
        link_start(client)
        account_id = midtrans.sent("POST", "/v2/pay/account")[0].answer_id
        assert "confirm the GoPay link" in client.get("/billing/").content.decode()

        traveller.shift(timedelta(minutes=61))
        assert tasks.billing_expire_auto_renewal_setups() == 1

        page = client.get("/billing/").content.decode()
        assert "confirm the GoPay link" not in page and "not finished in GoPay in time" in page
        midtrans.midtrans_gopay_link_done(account_id)  # the owner confirms in GoPay after all, too late
        client.get(RETURN)

    assert GopayLink.objects.get(account_id=account_id).status == "expired"
    assert midtrans.sent("POST", "/v1/subscriptions") == []
    assert renewal_mode(organization) == "manual"


@pytest.mark.django_db
def test_a_setup_confirmed_in_time_is_not_expired(owner, organization, midtrans):
    with time_machine.travel(START, tick=False) as traveller:
        paid_plan(organization)
        client = signed_in(owner, organization)
        link_start(client)
        account_id = midtrans.sent("POST", "/v2/pay/account")[0].answer_id
        midtrans.midtrans_gopay_link_done(account_id)
        client.get(RETURN)

        traveller.shift(timedelta(hours=2))
        assert tasks.billing_expire_auto_renewal_setups() == 0

    assert GopayLink.objects.get(account_id=account_id).status == "linked"
    assert renewal_mode(organization) == "auto"
