"""The embedded default's purchase, through the pages: /billing/ -> dev checkout -> Pay."""

import pytest
from django.test import Client

from billing.models import Order, WebhookEvent

from .conftest import credits_of


def signed_in(user, organization) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["organization_id"] = str(organization.id)
    session.save()
    return client


@pytest.mark.django_db
def test_paying_on_the_dev_checkout_page_credits_the_balance(
    owner, organization, mailoutbox, django_capture_on_commit_callbacks
):
    client = signed_in(owner, organization)
    page = client.get("/billing/")
    assert page.status_code == 200 and b"Rp 49,000" in page.content

    chosen = client.post("/billing/checkout/", {"item": "pack:credits-500", "gateway": "dev"})
    order = Order.objects.get()
    assert chosen.status_code == 302 and chosen["Location"] == f"/billing/dev-checkout/{order.order_id}/"
    checkout = client.get(chosen["Location"])
    assert checkout.status_code == 200 and b"Rp 199,000" in checkout.content

    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(chosen["Location"], {"outcome": "pay"})

    assert paid.status_code == 302 and paid["Location"] == f"/billing/?order={order.order_id}"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert credits_of(organization) == (500, 50)
    event = WebhookEvent.objects.get()
    assert (event.gateway, event.verdict, event.external_status) == ("midtrans", "processed", "settlement")
    assert [m.to for m in mailoutbox] == [["owner@example.com"]]
    assert "Rp 199,000" in mailoutbox[0].body
    after = client.get(paid["Location"])
    assert b"550" in after.content and b"Payment received" in after.content


@pytest.mark.django_db
def test_failing_on_the_dev_checkout_page_fails_the_order(owner, organization):
    client = signed_in(owner, organization)
    client.post("/billing/checkout/", {"item": "plan:premium", "gateway": "dev"})
    order = Order.objects.get()

    client.post(f"/billing/dev-checkout/{order.order_id}/", {"outcome": "fail"})

    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert credits_of(organization) == (0, 0)


@pytest.mark.django_db
def test_paying_twice_on_the_dev_page_grants_once(owner, organization):
    client = signed_in(owner, organization)
    client.post("/billing/checkout/", {"item": "plan:premium", "gateway": "dev"})
    url = f"/billing/dev-checkout/{Order.objects.get().order_id}/"

    client.post(url, {"outcome": "pay"})
    client.post(url, {"outcome": "pay"})

    assert credits_of(organization) == (300, 0)


@pytest.mark.django_db
def test_a_member_sees_prices_but_cannot_buy(member, organization):
    client = signed_in(member, organization)

    page = client.get("/billing/")
    refused = client.post("/billing/checkout/", {"item": "pack:credits-100", "gateway": "dev"})

    assert b"Rp 99,000" in page.content and b"Only owners" in page.content
    assert refused.status_code == 403
    assert b"Only owners" in refused.content
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_the_dev_page_hides_other_organizations_orders(owner, organization, other_organization):
    from .conftest import order_make

    theirs = order_make(other_organization, gateway="dev")
    client = signed_in(owner, organization)

    assert client.get(f"/billing/dev-checkout/{theirs.order_id}/").status_code == 404
    assert client.post(f"/billing/dev-checkout/{theirs.order_id}/", {"outcome": "pay"}).status_code == 404
    assert Order.objects.get(pk=theirs.pk).status == Order.Status.PENDING


@pytest.mark.django_db
def test_the_dev_page_is_gone_when_the_dev_gateway_is_off(owner, organization, settings):
    from .conftest import order_make

    order = order_make(organization, gateway="dev")
    settings.BILLING_DEV_GATEWAY = False

    assert (
        signed_in(owner, organization).post(f"/billing/dev-checkout/{order.order_id}/", {"outcome": "pay"}).status_code
        == 404
    )
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING


@pytest.mark.django_db
def test_dev_notifications_cannot_settle_a_midtrans_order(midtrans, organization):
    from rest_framework.test import APIClient

    from .conftest import dev_key, midtrans_notification, order_make, post_raw

    order = order_make(organization, gateway="midtrans")

    response = post_raw(
        APIClient(), "/api/webhooks/midtrans", midtrans_notification(order, "settlement", key=dev_key())
    )

    assert response.status_code == 401
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING


@pytest.mark.django_db
def test_anonymous_visitors_go_to_login(client):
    response = client.get("/billing/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_a_member_cannot_pay_on_the_dev_page(member, organization):
    from .conftest import order_make

    order = order_make(organization, gateway="dev")

    response = signed_in(member, organization).post(f"/billing/dev-checkout/{order.order_id}/", {"outcome": "pay"})

    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING
    assert credits_of(organization) == (0, 0)


@pytest.mark.django_db
def test_the_dev_gateway_simulates_auto_renewal_from_the_billing_page(owner, organization):
    from billing.models import Subscription
    from billing.services.fulfilment import order_status_apply

    from .conftest import order_make

    order = order_make(organization, item="plan:premium", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
    end = Subscription.objects.get(organization=organization, status="active").current_period_end
    client = signed_in(owner, organization)

    client.post("/billing/dev-auto-renewal/", {"outcome": "on"})
    page = client.get("/billing/").content.decode()
    client.post("/billing/dev-auto-renewal/", {"outcome": "pay"})

    subscription = Subscription.objects.get(organization=organization, status="active")
    assert "Simulate the next automatic charge" in page
    assert subscription.renewal_mode == "auto"
    assert subscription.current_period_start == end
    assert credits_of(organization) == (600, 0)
