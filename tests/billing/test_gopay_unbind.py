"""GoPay auto-renewal turned off unbinds the GoPay account at Midtrans (`POST
/v2/pay/account/{account_id}/unbind`, the stub strict on method, path and key), so the
customer's wallet is no longer linked to MODO: whoever turns it off (the owner, a cancel,
expiry, staff, another plan), with the Midtrans subscription still disabled. A failed unbind
never leaves renewal half on (manual at once, the link marked to unbind) and beat tries again;
an account unbound already is harmless."""

import base64
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from billing import recurring_tasks, tasks
from billing.gateways import GatewayError
from billing.gateways.midtrans_gopay import gopay_account_unbind
from billing.models import GopayLink, Subscription
from billing.services.fulfilment import order_status_apply

from .conftest import MIDTRANS_KEY, order_make
from .test_auto_renewal import auto_renew, gopay_linked_on_the_page, paid_plan
from .test_dev_gateway import signed_in
from .test_gopay_link import RETURN, link_start, notify


def linking_started(owner, organization, midtrans):
    """A paid plan and the owner's "Link GoPay" on the page: their browser and the account_id."""
    paid_plan(organization)
    client = signed_in(owner, organization)
    link_start(client)
    return client, midtrans.sent("POST", "/v2/pay/account")[0].answer_id


def gopay_auto_renewal(owner, organization, midtrans) -> GopayLink:
    """Auto-renewal on through "Link GoPay" on the page: the account ENABLED, the Midtrans
    subscription charging its wallet; the link."""
    client, account_id = linking_started(owner, organization, midtrans)
    midtrans.midtrans_gopay_link_done(account_id)
    client.get(RETURN)
    link = GopayLink.objects.get(account_id=account_id)
    assert (link.status, link.recurring_reference) == ("linked", "midtrans-sub-1")
    return link


def unbinds(stub, account_id: str) -> list:
    return stub.sent("POST", f"/v2/pay/account/{account_id}/unbind")


def renewal_mode(organization) -> str:
    return Subscription.objects.filter(organization=organization).order_by("-created_at").first().renewal_mode


def turn_off(how: str, *, owner_api, organization, staff_client):
    """Auto-renewal goes off the way `how` says; the answer when someone asked."""
    if how == "owner":
        return owner_api.delete("/api/billing/subscription/auto-renewal")
    if how == "cancel":
        return owner_api.post("/api/billing/subscription/cancel")
    if how == "staff":
        subscription = Subscription.objects.get(organization=organization, status="active")
        return staff_client.post(
            "/admin/billing/subscription/",
            {"action": "cancel_at_period_end", "_selected_action": [subscription.pk]},
        )
    if how == "another_plan":
        order = order_make(organization, item="plan:pro", gateway="dev")
        order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
        return None
    subscription = Subscription.objects.get(organization=organization, status="active")
    end = subscription.current_period_end  # expiry: past due at the end, expired after the grace
    with time_machine.travel(end + timedelta(minutes=1), tick=False):
        tasks.billing_expire_subscriptions()
        assert renewal_mode(organization) == "auto"  # in grace Midtrans' own retries may still pay
    with time_machine.travel(end + timedelta(days=3, minutes=2), tick=False):
        tasks.billing_expire_subscriptions()
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["owner", "cancel", "expiry", "staff", "another_plan"])
def test_auto_renewal_off_unbinds_the_gopay_account_once(
    owner, owner_api, organization, midtrans, staff_client, django_capture_on_commit_callbacks, how
):
    link = gopay_auto_renewal(owner, organization, midtrans)

    with django_capture_on_commit_callbacks(execute=True):
        answer = turn_off(how, owner_api=owner_api, organization=organization, staff_client=staff_client)

    assert answer is None or answer.status_code in (200, 302)
    assert renewal_mode(organization) == "manual"
    [unbind] = unbinds(midtrans, link.account_id)
    assert unbind.headers["authorization"] == "Basic " + base64.b64encode(f"{MIDTRANS_KEY}:".encode()).decode()
    assert midtrans.midtrans_gopay_accounts[link.account_id]["account_status"] == "DISABLED"
    link.refresh_from_db()
    assert (link.status, link.release_tries, link.release_error) == ("unbound", 1, "")
    # The Midtrans subscription is still disabled too (at once, or by the task after commit).
    assert [r.path for r in midtrans.sent("POST", "/v1/subscriptions/")] == ["/v1/subscriptions/midtrans-sub-1/disable"]
    page = signed_in(owner, organization).get("/billing/").content.decode()
    assert 'id="gopay-link"' not in page  # turned off: no "GoPay was not linked" alarm

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert tasks.billing_retry_gateway_releases() == 0
    assert len(unbinds(midtrans, link.account_id)) == 1


@pytest.mark.django_db
def test_a_failed_unbind_leaves_renewal_off_and_beat_unbinds_later(
    owner, owner_api, organization, midtrans, django_capture_on_commit_callbacks
):
    link = gopay_auto_renewal(owner, organization, midtrans)
    midtrans.midtrans_unbind_failures = 1  # GoPay's side is down for a moment

    with django_capture_on_commit_callbacks(execute=True):
        answer = owner_api.delete("/api/billing/subscription/auto-renewal")

    assert (answer.status_code, answer.json()["renewal_mode"]) == (200, "manual")  # never half on
    assert midtrans.sent("POST", "/v1/subscriptions/midtrans-sub-1/disable")
    link.refresh_from_db()
    assert (link.status, link.release_tries) == ("unbinding", 1) and "503" in link.release_error
    assert midtrans.midtrans_gopay_accounts[link.account_id]["account_status"] == "ENABLED"  # still linked

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert tasks.billing_retry_gateway_releases() == 1

    link.refresh_from_db()
    assert (link.status, link.release_tries, link.release_error) == ("unbound", 2, "")
    assert len(unbinds(midtrans, link.account_id)) == 2
    assert midtrans.midtrans_gopay_accounts[link.account_id]["account_status"] == "DISABLED"
    assert renewal_mode(organization) == "manual"


@pytest.mark.django_db
def test_an_account_midtrans_never_unbinds_is_flagged_for_staff(
    owner, owner_api, organization, midtrans, staff_client, django_capture_on_commit_callbacks
):
    link = gopay_auto_renewal(owner, organization, midtrans)
    midtrans.midtrans_unbind_failures = 100
    with django_capture_on_commit_callbacks(execute=True):
        owner_api.delete("/api/billing/subscription/auto-renewal")

    later = timezone.now()
    for _ in range(7):
        later += timedelta(minutes=10)
        with time_machine.travel(later):
            tasks.billing_retry_gateway_releases()

    link.refresh_from_db()
    assert (link.status, link.release_tries) == ("unbind_failed", 6)
    assert len(unbinds(midtrans, link.account_id)) == 6  # bounded
    assert "did not unbind this GoPay account in 6 tries" in link.release_error
    flagged = staff_client.get("/admin/billing/gopaylink/?status__exact=unbind_failed").content.decode()
    assert link.account_id in flagged and "Unbind by hand" in flagged


@pytest.mark.django_db
def test_unbinding_an_account_unbound_already_is_harmless(
    owner, owner_api, organization, midtrans, django_capture_on_commit_callbacks
):
    """The customer unlinked MODO in their GoPay app first: Midtrans' unbind fails for an
    account linked to nothing, Get Pay Account says DISABLED, and that is done, not an error."""
    link = gopay_auto_renewal(owner, organization, midtrans)
    midtrans.midtrans_gopay_link_done(link.account_id, "DISABLED")

    with django_capture_on_commit_callbacks(execute=True):
        assert owner_api.delete("/api/billing/subscription/auto-renewal").status_code == 200
    recurring_tasks.gopay_unbind(link.pk)  # a duplicate task: nothing more is sent
    again = owner_api.delete("/api/billing/subscription/auto-renewal")

    link.refresh_from_db()
    assert (link.status, link.release_tries, link.release_error) == ("unbound", 1, "")
    assert len(unbinds(midtrans, link.account_id)) == 1
    assert midtrans.sent("GET", f"/v2/pay/account/{link.account_id}")  # asked before calling it done
    assert (again.status_code, again.json()["code"]) == (404, "NO_AUTO_RENEWAL")
    gopay_account_unbind(link.account_id)  # the gateway call itself: no error either


@pytest.mark.django_db
def test_the_unbind_needs_midtrans_key(owner, organization, midtrans, settings):
    link = gopay_auto_renewal(owner, organization, midtrans)
    settings.MIDTRANS_SERVER_KEY = "SB-Mid-server-someone-else"

    with pytest.raises(GatewayError, match="401"):
        gopay_account_unbind(link.account_id)

    [unbind] = unbinds(midtrans, link.account_id)
    assert unbind.body == {}  # the SDK posts an empty JSON object
    assert midtrans.midtrans_gopay_accounts[link.account_id]["account_status"] == "ENABLED"


@pytest.mark.django_db
def test_an_account_linked_after_its_linking_expired_is_unbound_not_used(
    owner, organization, midtrans, django_capture_on_commit_callbacks
):
    client, account_id = linking_started(owner, organization, midtrans)
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert tasks.billing_expire_auto_renewal_setups() == 1

    body = midtrans.midtrans_gopay_link_done(account_id)  # confirmed in GoPay, too late
    with django_capture_on_commit_callbacks(execute=True):
        answer = notify(body)

    assert (answer.status_code, answer.json()["verdict"]) == (200, "processed")
    assert midtrans.sent("POST", "/v1/subscriptions") == [] and renewal_mode(organization) == "manual"
    assert len(unbinds(midtrans, account_id)) == 1
    assert GopayLink.objects.get(account_id=account_id).status == "unbound"
    assert "not finished in GoPay in time" in client.get("/billing/").content.decode()


@pytest.mark.django_db
def test_an_account_enabled_for_a_plan_that_changed_meanwhile_is_unbound(
    owner, organization, midtrans, django_capture_on_commit_callbacks
):
    client, account_id = linking_started(owner, organization, midtrans)
    turn_off("another_plan", owner_api=None, organization=organization, staff_client=None)  # a new plan

    with django_capture_on_commit_callbacks(execute=True):
        answer = notify(midtrans.midtrans_gopay_link_done(account_id))  # enabled in GoPay

    assert answer.json()["verdict"] == "processed"
    assert midtrans.sent("POST", "/v1/subscriptions") == []
    assert len(unbinds(midtrans, account_id)) == 1
    assert GopayLink.objects.get(account_id=account_id).status == "unbound"
    assert "the plan changed during the linking" in client.get("/billing/").content.decode()


@pytest.mark.django_db
def test_an_account_linked_through_the_api_is_unbound_when_turned_off(
    owner, owner_api, organization, midtrans, django_capture_on_commit_callbacks
):
    paid_plan(organization)
    account_id = gopay_linked_on_the_page(owner, organization, midtrans)
    assert auto_renew(owner_api, "midtrans", f"gopay:{account_id}").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        owner_api.delete("/api/billing/subscription/auto-renewal")

    assert len(unbinds(midtrans, account_id)) == 1
    assert GopayLink.objects.get(account_id=account_id).status == "unbound"
