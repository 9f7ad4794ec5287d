"""Plan changes inside a period: an upgrade now (prorated), a downgrade at the period end.

Upgrade, exact in whole rupiah and credits, with D = the period's days and L = the days left,
counting the current day as left (day 1 of 30 leaves 30, day 15 leaves 16, the last day 1):

    amount  = (new price   - old price)   x L // D   (rounded DOWN to the rupiah)
    credits = (new credits - old credits) x L // D   (rounded DOWN to the credit)

Rounding down favours the customer by less than one rupiah (one credit). The period end stays;
the new plan applies as soon as the upgrade order is paid.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.errors import NotFound, ValidationFailed

from ..models import Order, Plan, Subscription
from ..selectors import subscription_current_for_update, subscription_current_get
from .checkout import billing_manager_require, gateway_choose, order_id_new, order_payment_open
from .subscriptions import subscription_changed, subscription_recurring_amount_follow


@dataclass(frozen=True)
class PlanChangePreview:
    kind: str  # "upgrade" | "downgrade"
    plan: Plan
    amount: int  # IDR to pay now (0 for a downgrade)
    credits: int  # credits granted now (0 for a downgrade)
    days_left: int
    days_in_period: int
    effective_at: datetime  # now for an upgrade, the period end for a downgrade
    period_end: datetime


def proration_days(*, start: datetime, end: datetime, now: datetime) -> tuple[int, int]:
    """(days left, days in the period); the current day counts as left."""
    days_in_period = max(1, round((end - start) / timedelta(days=1)))
    elapsed = int((now - start) // timedelta(days=1))
    return max(1, min(days_in_period, days_in_period - elapsed)), days_in_period


def _plan_get(code: object) -> Plan:
    plan = (
        Plan.objects.filter(code=code, is_active=True, is_paid=True).first()
        if isinstance(code, str) and code.isprintable()
        else None
    )
    if plan is None:
        raise ValidationFailed(_("Unknown plan."), fields={"plan": [_("Choose a plan on sale.")]})
    return plan


def _subscription_for_change(membership: Membership) -> Subscription:
    billing_manager_require(membership)
    subscription = subscription_current_get(organization=membership.organization)
    if (
        subscription is None
        or not subscription.plan.is_paid
        or subscription.status not in (Subscription.Status.ACTIVE, Subscription.Status.CANCELED)
        or subscription.current_period_end <= timezone.now()
    ):
        raise NotFound(_("There is no paid plan running to change. Buy a plan instead."), code="NO_SUBSCRIPTION")
    return subscription


def plan_change_preview(*, membership: Membership, plan_code: object) -> PlanChangePreview:
    """What changing to `plan_code` would cost and give, and when: shown before confirming."""
    subscription = _subscription_for_change(membership)
    plan = _plan_get(plan_code)
    if plan.pk == subscription.plan_id:
        raise ValidationFailed(
            _("You are already on this plan."), code="SAME_PLAN", fields={"plan": [_("Choose another plan.")]}
        )
    now = timezone.now()
    days_left, days_in_period = proration_days(
        start=subscription.current_period_start, end=subscription.current_period_end, now=now
    )
    current = subscription.plan
    if plan.price_idr > current.price_idr:
        return PlanChangePreview(
            kind="upgrade",
            plan=plan,
            amount=(plan.price_idr - current.price_idr) * days_left // days_in_period,
            credits=max(0, plan.credits - current.credits) * days_left // days_in_period,
            days_left=days_left,
            days_in_period=days_in_period,
            effective_at=now,
            period_end=subscription.current_period_end,
        )
    return PlanChangePreview(
        kind="downgrade",
        plan=plan,
        amount=0,
        credits=0,
        days_left=days_left,
        days_in_period=days_in_period,
        effective_at=subscription.current_period_end,
        period_end=subscription.current_period_end,
    )


def plan_upgrade(*, membership: Membership, plan_code: object, gateway: object, language: str = "en") -> Order:
    """A pending upgrade order at the prorated amount; paying it switches the plan now
    (subscriptions._subscription_upgrade) and grants the prorated credits."""
    preview = plan_change_preview(membership=membership, plan_code=plan_code)
    if preview.kind != "upgrade":
        raise ValidationFailed(
            _("Only a more expensive plan can start now; a cheaper one starts at the period end."),
            code="NOT_AN_UPGRADE",
            fields={"plan": [_("Choose a more expensive plan, or downgrade at the period end.")]},
        )
    adapter = gateway_choose(gateway)
    subscription = subscription_current_get(organization=membership.organization)
    order = Order.objects.create(
        order_id=order_id_new(),
        organization=membership.organization,
        user=membership.user,
        kind=Order.Kind.PLAN,
        plan=preview.plan,
        item_name=preview.plan.name,
        amount=preview.amount,
        credits=preview.credits,
        gateway=adapter.code,
        language=(language or "en")[:8],
        purpose=Order.Purpose.UPGRADE,
        subscription=subscription,
        renews_period_end=subscription.current_period_end,
    )
    return order_payment_open(order=order, adapter=adapter, payer=membership.user)


def plan_downgrade(*, membership: Membership, plan_code: object) -> Subscription:
    """The cheaper plan from the period end on: the renewal is for it."""
    preview = plan_change_preview(membership=membership, plan_code=plan_code)
    if preview.kind != "downgrade":
        raise ValidationFailed(
            _("A more expensive plan is an upgrade: it starts now."),
            code="NOT_A_DOWNGRADE",
            fields={"plan": [_("Choose a cheaper plan.")]},
        )
    with transaction.atomic():
        subscription = subscription_current_for_update(organization_id=membership.organization_id)
        subscription.next_plan = preview.plan
        subscription.save(update_fields=["next_plan", "updated_at"])
        # A renewal order already issued at the old price is withdrawn; the beat issues the new one.
        Order.objects.filter(
            subscription=subscription, purpose=Order.Purpose.RENEWAL, status=Order.Status.PENDING
        ).update(status=Order.Status.FAILED, gateway_status="replaced_by_downgrade", updated_at=timezone.now())
        subscription_recurring_amount_follow(subscription)
        subscription_changed(subscription.organization_id)
    return subscription
