"""Owners see the credits each member used this period, net of refunds."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from billing import tasks
from billing.models import Order, Subscription
from billing.services.fulfilment import order_status_apply
from credits.services.charge import credits_charge, credits_refund

from .conftest import order_make

START = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def as_user(user, organization) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_X_ORGANIZATION=str(organization.id))
    return client


@pytest.mark.django_db
def test_owners_see_credits_used_per_member_this_period(organization, owner, member, admin_user, client):
    with time_machine.travel(START, tick=False) as traveller:
        order = order_make(organization, item="plan:pro", gateway="dev")
        order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
        credits_charge(organization=organization, amount=50, feature="video_fast", user=member)  # last period
        traveller.shift(timedelta(days=25))
        tasks.billing_send_renewal_reminders()  # issues the renewal order
        renewal = Order.objects.get(purpose="renewal")
        order_status_apply(order_id=renewal.order_id, status="paid", raw_status="settlement", amount=renewal.amount)
        traveller.shift(timedelta(days=6))  # into the renewed period
        credits_charge(organization=organization, amount=8, feature="story_premium", user=member)
        refunded = credits_charge(organization=organization, amount=10, feature="image_premium", user=member)
        credits_refund(charge=refunded)
        credits_charge(organization=organization, amount=3, feature="story_fast", user=owner)

        answer = as_user(owner, organization).get(f"/api/organizations/{organization.pk}/usage")
        refused = [
            as_user(u, organization).get(f"/api/organizations/{organization.pk}/usage") for u in (admin_user, member)
        ]

    start = Subscription.objects.get(organization=organization, status="active").current_period_start
    assert datetime.fromisoformat(answer.json()["since"]) == start == START + timedelta(days=30)
    used = {row["email"]: row["used"] for row in answer.json()["members"]}
    assert used == {"member@example.com": 8, "owner@example.com": 3, "admin@example.com": 0}
    assert [r.status_code for r in refused] == [403, 403]


@pytest.mark.django_db
def test_it_hides_other_organizations_usage(owner, other_organization):
    answer = as_user(owner, other_organization).get(f"/api/organizations/{other_organization.pk}/usage")

    assert answer.status_code == 404
