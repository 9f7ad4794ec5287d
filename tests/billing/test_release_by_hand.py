"""Staff close a flag by hand in the admin: a card check flagged "Refund by hand" they refunded,
a GoPay account flagged "Unbind by hand" they had unbound. The action clears the flag, writes
one audit entry in the same transaction, and is offered only to staff with the model's change
permission; anything not flagged is left alone."""

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client

from audit.models import StaffAction
from billing import tasks
from billing.models import CardCheck, GopayLink

from ..factories import UserFactory
from .test_card_check_release import START, beat_runs, card_saved
from .test_gopay_link import notify
from .test_gopay_unlinked import gopay_unbind_flagged

CHECKS = "/admin/billing/cardcheck/"
LINKS = "/admin/billing/gopaylink/"


def flagged_check(owner, organization, midtrans, capture_callbacks) -> CardCheck:
    """A settled card check Midtrans would neither cancel nor refund: "Refund by hand"."""
    with time_machine.travel(START, tick=False) as traveller:
        order_id = card_saved(owner, organization, midtrans, capture_callbacks, outcome="settlement")
        midtrans.midtrans_refund_refusals[order_id] = 1
        beat_runs(traveller)
    check = CardCheck.objects.get(order_id=order_id)
    assert check.release == "failed"
    return check


def act(client, path: str, action: str, *pks):
    return client.post(path, {"action": action, "_selected_action": [str(pk) for pk in pks]}, follow=True)


@pytest.mark.django_db
def test_staff_mark_a_check_refunded_by_hand_once_and_it_is_audited(
    owner, organization, midtrans, django_capture_on_commit_callbacks, staff_client
):
    check = flagged_check(owner, organization, midtrans, django_capture_on_commit_callbacks)

    answer = act(staff_client, CHECKS, "mark_refunded_by_hand", check.pk)
    again = act(staff_client, CHECKS, "mark_refunded_by_hand", check.pk)

    assert "1 marked refunded by hand." in answer.content.decode()
    assert "1 not flagged: left as they were." in again.content.decode()
    check.refresh_from_db()
    assert (check.release, check.release_error) == ("by_hand", "")
    row = StaffAction.objects.get()  # one entry, however often it is clicked
    assert (row.action, row.actor_email, row.target_type, row.target_id, row.organization) == (
        "billing.release_by_hand",
        "staff@example.com",
        "billing.cardcheck",
        str(check.pk),
        organization,
    )
    assert row.reason == "Card check of 10000 IDR refunded by hand." and check.order_id in row.target_label
    assert row.before["release"] == "failed" and "412" in row.before["release_error"]
    assert row.after == {"release": "by_hand", "release_error": ""}
    assert check.order_id not in staff_client.get(f"{CHECKS}?release__exact=failed").content.decode()
    listed = staff_client.get(f"{CHECKS}?release__exact=by_hand").content.decode()
    assert check.order_id in listed and "Refunded by hand" in listed


@pytest.mark.django_db
def test_staff_mark_a_gopay_account_unbound_by_hand_and_it_stays_so(
    owner, owner_api, organization, midtrans, django_capture_on_commit_callbacks, staff_client
):
    link = gopay_unbind_flagged(owner, owner_api, organization, midtrans, django_capture_on_commit_callbacks)

    act(staff_client, LINKS, "mark_unbound_by_hand", link.pk)

    link.refresh_from_db()
    assert (link.status, link.release_error) == ("unbound_by_hand", "")
    row = StaffAction.objects.get()
    assert (row.action, row.target_type, row.target_id, row.organization) == (
        "billing.release_by_hand",
        "billing.gopaylink",
        str(link.pk),
        organization,
    )
    assert row.before["status"] == "unbind_failed" and row.after["status"] == "unbound_by_hand"
    assert link.account_id not in staff_client.get(f"{LINKS}?status__exact=unbind_failed").content.decode()
    assert "Unbound by hand" in staff_client.get(f"{LINKS}?status__exact=unbound_by_hand").content.decode()
    # Nothing tries it again: not beat, not a late Pay Account notification.
    unbinds = len(midtrans.sent("POST", f"/v2/pay/account/{link.account_id}/unbind"))
    assert tasks.billing_retry_gateway_releases() == 0
    midtrans.midtrans_gopay_link_done(link.account_id, "DISABLED")
    assert notify(midtrans.midtrans_gopay_account_notification(link.account_id, "DISABLED")).json()["verdict"] == (
        "ignored"
    )
    assert len(midtrans.sent("POST", f"/v2/pay/account/{link.account_id}/unbind")) == unbinds
    assert GopayLink.objects.get(pk=link.pk).status == "unbound_by_hand"


@pytest.mark.django_db
def test_a_row_that_is_not_flagged_is_left_alone(
    owner, organization, midtrans, django_capture_on_commit_callbacks, staff_client
):
    with time_machine.travel(START, tick=False):
        order_id = card_saved(owner, organization, midtrans, django_capture_on_commit_callbacks)  # cancelled
    check = CardCheck.objects.get(order_id=order_id)

    answer = act(staff_client, CHECKS, "mark_refunded_by_hand", check.pk)

    assert "1 not flagged: left as they were." in answer.content.decode()
    assert CardCheck.objects.get(pk=check.pk).release == "released"
    assert not StaffAction.objects.exists()


@pytest.mark.django_db
def test_only_staff_with_the_change_permission_can_mark_a_flag_handled(
    owner, organization, midtrans, django_capture_on_commit_callbacks
):
    check = flagged_check(owner, organization, midtrans, django_capture_on_commit_callbacks)
    viewer = UserFactory(email="viewer@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_cardcheck"))
    customer, staff_viewer = Client(), Client()
    customer.force_login(owner)  # signed in, not staff
    staff_viewer.force_login(viewer)

    refused = [act(client, CHECKS, "mark_refunded_by_hand", check.pk) for client in (customer, staff_viewer)]

    assert "/admin/login/" in refused[0].redirect_chain[-1][0]
    listing = staff_viewer.get(CHECKS).content.decode()
    assert check.order_id in listing and "mark_refunded_by_hand" not in listing  # seen, not offered
    assert CardCheck.objects.get(pk=check.pk).release == "failed" and not StaffAction.objects.exists()

    viewer.user_permissions.add(Permission.objects.get(codename="change_cardcheck"))
    staff_viewer.force_login(viewer)
    act(staff_viewer, CHECKS, "mark_refunded_by_hand", check.pk)

    assert CardCheck.objects.get(pk=check.pk).release == "by_hand"
    assert StaffAction.objects.get().actor == viewer
