"""A customer who unlinks MODO inside the Gojek/GoPay app: Midtrans POSTs its signed Pay Account
notification (sha512(account_id + account_status + status_code + server key)) to the same
webhook; MODO confirms with Get Pay Account, turns that organization's auto-renewal off (the
Midtrans subscription disabled, no unbind: nothing is left to unbind), emails the owners in
their language and says so on /billing/. Unsigned, replayed, out-of-order or unconfirmed
notifications, and other organizations' accounts, change nothing."""

import json

import pytest
import time_machine

from accounts.models import Membership
from billing.models import GopayLink, WebhookEvent

from ..factories import MembershipFactory, UserFactory
from .test_auto_renewal import paid_plan
from .test_card_check_release import START, beat_runs
from .test_dev_gateway import signed_in
from .test_gopay_link import RETURN, link_start, notify
from .test_gopay_unbind import renewal_mode, unbinds


def gopay_on(owner, organization, midtrans) -> GopayLink:
    """Auto-renewal on through "Link GoPay" on the page, the account ENABLED in GoPay."""
    paid_plan(organization)
    client = signed_in(owner, organization)
    link_start(client)
    account_id = midtrans.sent("POST", "/v2/pay/account")[-1].answer_id
    midtrans.midtrans_gopay_link_done(account_id)
    client.get(RETURN)
    link = GopayLink.objects.get(account_id=account_id)
    assert link.status == "linked" and renewal_mode(organization) == "auto"
    return link


def gopay_unbind_flagged(owner, owner_api, organization, midtrans, capture_callbacks) -> GopayLink:
    """A GoPay account Midtrans would not unbind after auto-renewal went off: "Unbind by hand"."""
    link = gopay_on(owner, organization, midtrans)
    midtrans.midtrans_unbind_failures = 100
    with time_machine.travel(START, tick=False) as traveller:
        with capture_callbacks(execute=True):
            owner_api.delete("/api/billing/subscription/auto-renewal")
        beat_runs(traveller)
    link.refresh_from_db()
    assert link.status == "unbind_failed"
    return link


def disables(midtrans, link) -> list:
    return midtrans.sent("POST", f"/v1/subscriptions/{link.recurring_reference}/disable")


@pytest.mark.django_db
def test_unlinking_modo_in_the_gopay_app_turns_auto_renewal_off_and_tells_the_owner(
    owner, admin_user, organization, midtrans, mailoutbox, django_capture_on_commit_callbacks
):
    owner.language = "id"
    owner.save(update_fields=["language"])
    link = gopay_on(owner, organization, midtrans)
    linked_notification = midtrans.midtrans_gopay_link_done(link.account_id)  # sent when it was linked
    unlinked = midtrans.midtrans_gopay_link_done(link.account_id, "DISABLED")  # the customer unlinks

    with django_capture_on_commit_callbacks(execute=True):
        answer = notify(unlinked)

    assert (answer.status_code, answer.json()["verdict"]) == (200, "processed")
    assert renewal_mode(organization) == "manual"
    assert len(disables(midtrans, link)) == 1  # the Midtrans subscription no longer charges
    assert unbinds(midtrans, link.account_id) == []  # unlinked already: nothing to unbind
    assert midtrans.sent("GET", f"/v2/pay/account/{link.account_id}")  # confirmed, not taken from the body
    link.refresh_from_db()
    assert (link.status, link.reason, link.release_error) == ("unbound", "unlinked_in_gopay", "")
    [email] = mailoutbox
    assert email.to == [owner.email]  # the owner, not the admin
    assert "GoPay diputus" in email.subject and "diputus dari MODO di aplikasi GoPay" in email.body
    assert "/billing/" in email.body
    page = signed_in(owner, organization).get("/billing/").content.decode()
    assert 'id="gopay-link"' in page and "your GoPay account was unlinked from MODO in the GoPay app" in page

    # Duplicates, a replay and the old linking notification delivered late change nothing.
    with django_capture_on_commit_callbacks(execute=True):
        verdicts = [notify(body).json()["verdict"] for body in (unlinked, unlinked, linked_notification)]

    assert verdicts == ["ignored", "ignored", "ignored"]
    assert renewal_mode(organization) == "manual" and len(mailoutbox) == 1
    assert len(disables(midtrans, link)) == 1 and len(midtrans.sent("POST", "/v1/subscriptions")) == 2
    assert GopayLink.objects.get(pk=link.pk).status == "unbound"


@pytest.mark.django_db
def test_the_email_speaks_english_to_an_english_owner(
    owner, organization, midtrans, mailoutbox, django_capture_on_commit_callbacks
):
    link = gopay_on(owner, organization, midtrans)

    with django_capture_on_commit_callbacks(execute=True):
        notify(midtrans.midtrans_gopay_link_done(link.account_id, "DISABLED"))

    [email] = mailoutbox
    assert email.subject.startswith("Automatic renewal of your MODO") and "GoPay was unlinked" in email.subject
    assert "unlinked from MODO in the GoPay app" in email.body


@pytest.mark.django_db
def test_an_unsigned_or_wrongly_signed_notification_is_refused_and_changes_nothing(owner, organization, midtrans):
    link = gopay_on(owner, organization, midtrans)
    midtrans.midtrans_gopay_link_done(link.account_id, "DISABLED")
    asked = len(midtrans.sent("GET", "/v2/pay/account"))
    unsigned = json.loads(midtrans.midtrans_gopay_account_notification(link.account_id, "DISABLED"))
    del unsigned["signature_key"]

    answers = [
        notify(json.dumps(unsigned).encode()),
        notify(midtrans.midtrans_gopay_account_notification(link.account_id, "DISABLED", key="SB-Mid-server-wrong")),
    ]

    assert [(a.status_code, a.json()["code"]) for a in answers] == [(400, "VALIDATION_ERROR"), (401, "UNAUTHORIZED")]
    assert "signature_key" in answers[0].json()["error"]
    assert len(midtrans.sent("GET", "/v2/pay/account")) == asked  # nobody's word reached Midtrans
    assert renewal_mode(organization) == "auto" and GopayLink.objects.get(pk=link.pk).status == "linked"
    assert WebhookEvent.objects.filter(verdict="rejected").count() == 2


@pytest.mark.django_db
def test_a_signed_notification_midtrans_does_not_confirm_changes_nothing(
    owner, organization, midtrans, mailoutbox, django_capture_on_commit_callbacks
):
    """The body says DISABLED (delivered out of order, say) but Get Pay Account says ENABLED."""
    link = gopay_on(owner, organization, midtrans)

    with django_capture_on_commit_callbacks(execute=True):
        answer = notify(midtrans.midtrans_gopay_account_notification(link.account_id, "DISABLED"))

    assert (answer.status_code, answer.json()["verdict"]) == (200, "ignored")
    assert renewal_mode(organization) == "auto" and GopayLink.objects.get(pk=link.pk).status == "linked"
    assert disables(midtrans, link) == [] and mailoutbox == []

    midtrans.midtrans_gopay_link_done(link.account_id, "DISABLED")  # now the customer unlinks it
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(midtrans.midtrans_gopay_account_notification(link.account_id, "DISABLED")).json()["verdict"] == (
            "processed"
        )
    assert renewal_mode(organization) == "manual" and len(disables(midtrans, link)) == 1 and len(mailoutbox) == 1


@pytest.mark.django_db
def test_another_organizations_account_or_an_unknown_one_changes_nothing_here(
    owner, organization, other_organization, midtrans, mailoutbox, django_capture_on_commit_callbacks
):
    other_owner = UserFactory(email="other-owner@example.com")
    MembershipFactory(user=other_owner, organization=other_organization, role=Membership.Role.OWNER)
    mine = gopay_on(owner, organization, midtrans)
    theirs = gopay_on(other_owner, other_organization, midtrans)

    with django_capture_on_commit_callbacks(execute=True):
        answer = notify(midtrans.midtrans_gopay_link_done(theirs.account_id, "DISABLED"))
        unknown = notify(
            midtrans.midtrans_gopay_account_notification("00000269-7836-49e5-bc65-e592afafec14", "DISABLED")
        )

    assert answer.json()["verdict"] == "processed" and unknown.status_code == 404
    assert renewal_mode(other_organization) == "manual"
    assert renewal_mode(organization) == "auto" and GopayLink.objects.get(pk=mine.pk).status == "linked"
    assert disables(midtrans, mine) == []
    assert [email.to for email in mailoutbox] == [[other_owner.email]]


@pytest.mark.django_db
def test_midtrans_down_is_a_503_and_the_retry_turns_it_off_once(
    owner, organization, midtrans, mailoutbox, django_capture_on_commit_callbacks
):
    link = gopay_on(owner, organization, midtrans)
    body = midtrans.midtrans_gopay_link_done(link.account_id, "DISABLED")
    midtrans.failing = True

    down = notify(body)

    assert (down.status_code, down.json()["code"]) == (503, "GATEWAY_UNAVAILABLE")
    assert renewal_mode(organization) == "auto" and GopayLink.objects.get(pk=link.pk).status == "linked"
    midtrans.failing = False
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(body).json()["verdict"] == "processed"
    assert renewal_mode(organization) == "manual" and len(mailoutbox) == 1


@pytest.mark.django_db
def test_an_account_midtrans_would_not_unbind_is_unbound_once_the_customer_unlinks_it(
    owner, owner_api, organization, midtrans, staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    link = gopay_unbind_flagged(owner, owner_api, organization, midtrans, django_capture_on_commit_callbacks)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        answer = notify(midtrans.midtrans_gopay_link_done(link.account_id, "DISABLED"))

    assert answer.json()["verdict"] == "processed"
    link.refresh_from_db()
    assert (link.status, link.release_error) == ("unbound", "")  # no longer flagged for staff
    assert (
        link.account_id
        not in staff_client.get("/admin/billing/gopaylink/?status__exact=unbind_failed").content.decode()
    )
    assert mailoutbox == []  # auto-renewal was off already: nothing to tell
