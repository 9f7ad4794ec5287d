"""Renewal: renewal orders, reminders before the period ends, dunning after it
(auto-renewal through a gateway: services.auto_renewal).

Manual renewal: BILLING_RENEWAL_ORDER_DAYS_BEFORE (7) days before a period ends the beat
issues a renewal order with a payment link; reminders go out at each of
BILLING_RENEWAL_REMINDER_DAYS (7, 3, 1) days before, by email and on the billing page.
Paying it extends from the current period end (subscriptions._subscription_renew).

Dunning: a period that ends unpaid is past due for BILLING_GRACE_DAYS with one reminder a
day, then it expires (subscriptions.subscription_lapse).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.errors import NotFound

from ..emails import subscription_dunning_email_send, subscription_reminder_email_send
from ..gateways import gateways_enabled
from ..models import Order, Subscription
from ..selectors import subscription_current_get
from .checkout import GatewayUnavailable, billing_manager_require, gateway_choose, order_id_new, order_payment_open

logger = logging.getLogger(__name__)


# --- Manual renewal -------------------------------------------------------------------


def _renewal_gateway(subscription: Subscription) -> str | None:
    enabled = gateways_enabled()
    if subscription.gateway in enabled:
        return subscription.gateway
    return next(iter(enabled), None)


def renewal_order_issue(*, subscription: Subscription, gateway: str | None = None) -> Order | None:
    """The live renewal order of the subscription's current period, made if there is none
    (one per period: a unique index), with its payment link. None if no gateway is on."""
    gateway = gateway or _renewal_gateway(subscription)
    if gateway is None:
        return None
    existing = _renewal_order_live(subscription)
    if existing is not None:
        return existing
    plan = subscription.next_plan or subscription.plan
    owner = (
        Membership.objects.filter(organization_id=subscription.organization_id, role=Membership.Role.OWNER)
        .select_related("user")
        .order_by("created_at")
        .first()
    )
    try:
        with transaction.atomic():
            order = Order.objects.create(
                order_id=order_id_new(),
                organization_id=subscription.organization_id,
                user=owner.user if owner else None,
                kind=Order.Kind.PLAN,
                plan=plan,
                item_name=plan.name,
                amount=plan.price_idr,
                credits=plan.credits,
                gateway=gateway,
                language=subscription.language,
                purpose=Order.Purpose.RENEWAL,
                subscription=subscription,
                renews_period_end=subscription.current_period_end,
            )
    except IntegrityError:  # issued by someone else meanwhile
        return _renewal_order_live(subscription)
    return order_payment_open(order=order, adapter=gateways_enabled()[gateway], payer=owner.user if owner else None)


def _renewal_order_live(subscription: Subscription) -> Order | None:
    return Order.objects.filter(
        subscription=subscription,
        purpose=Order.Purpose.RENEWAL,
        renews_period_end=subscription.current_period_end,
        status__in=[Order.Status.PENDING, Order.Status.PAID],
    ).first()


def renewal_orders_issue_due() -> int:
    """Beat: renewal orders for manual subscriptions whose period ends within the window."""
    now = timezone.now()
    due = Subscription.objects.filter(
        status__in=[Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE],
        renewal_mode=Subscription.RenewalMode.MANUAL,
        plan__is_paid=True,
        current_period_end__lte=now + timedelta(days=settings.BILLING_RENEWAL_ORDER_DAYS_BEFORE),
    ).select_related("plan", "next_plan")
    issued = 0
    for subscription in due:
        if _renewal_order_live(subscription) is not None:
            continue
        try:
            issued += renewal_order_issue(subscription=subscription) is not None
        except GatewayUnavailable:
            logger.warning("Renewal order for subscription %s: gateway down, next run retries", subscription.pk)
    return issued


def renewal_order_for_owner(*, membership: Membership, gateway: object = None) -> Order:
    """ "Renew now": the current period's renewal order (issued if needed) for an owner to pay."""
    billing_manager_require(membership)
    subscription = subscription_current_get(organization=membership.organization)
    if (
        subscription is None
        or not subscription.plan.is_paid
        or subscription.status not in (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE)
    ):
        raise NotFound(_("There is no paid plan to renew."), code="NO_SUBSCRIPTION")
    code = gateway_choose(gateway).code if gateway is not None else None
    order = renewal_order_issue(subscription=subscription, gateway=code)
    if order is None:
        raise GatewayUnavailable(_("No payment gateway is available."))
    return order


# --- Reminders and dunning --------------------------------------------------------------


def _reminder_stage(days_left: float) -> int | None:
    """The smallest of the reminder days (7, 3, 1) that is still >= the days left."""
    stages = sorted(d for d in settings.BILLING_RENEWAL_REMINDER_DAYS if d >= days_left)
    return stages[0] if stages else None


def subscription_reminders_send() -> int:
    """Emails at 7, 3 and 1 days before a paid period ends, each once per period.

    The claim is one conditional UPDATE of (reminded_for_period_end, reminded_days_before);
    of two runs at once only one wins it. A run that missed a day sends the latest stage only.
    """
    now = timezone.now()
    renewal_orders_issue_due()
    horizon = max(settings.BILLING_RENEWAL_REMINDER_DAYS, default=0)
    candidates = Subscription.objects.filter(
        status=Subscription.Status.ACTIVE,
        plan__is_paid=True,
        current_period_end__gt=now,
        current_period_end__lte=now + timedelta(days=horizon),
    ).select_related("plan", "organization")
    sent = 0
    for subscription in candidates:
        stage = _reminder_stage((subscription.current_period_end - now) / timedelta(days=1))
        if stage is None:
            continue
        # Conditions on the row itself only: PostgreSQL re-checks them on a row another run
        # just updated, so of two runs at once the second finds the stage taken.
        not_yet = (
            Q(reminded_for_period_end__isnull=True)
            | ~Q(reminded_for_period_end=subscription.current_period_end)
            | Q(reminded_days_before__isnull=True)
            | Q(reminded_days_before__gt=stage)
        )
        claimable = Subscription.objects.filter(
            not_yet, pk=subscription.pk, current_period_end=subscription.current_period_end
        )
        claimed = claimable.update(
            reminded_for_period_end=subscription.current_period_end, reminded_days_before=stage, updated_at=now
        )
        if claimed:
            subscription_reminder_email_send(subscription=subscription, renewal_order=_renewal_order_live(subscription))
            sent += 1
    return sent


def subscription_dunning_send() -> int:
    """One email a day to each past-due subscription until it is paid or expires."""
    now = timezone.now()
    today = timezone.localdate(now)
    sent = 0
    for subscription in Subscription.objects.filter(
        status=Subscription.Status.PAST_DUE, grace_ends_at__gt=now
    ).select_related("plan", "organization"):
        claimed = (
            Subscription.objects.filter(pk=subscription.pk, status=Subscription.Status.PAST_DUE)
            .exclude(dunning_reminded_on=today)
            .update(dunning_reminded_on=today, updated_at=now)
        )
        if claimed:
            order = _renewal_order_live(subscription) or _renewal_order_try(subscription)
            subscription_dunning_email_send(subscription=subscription, renewal_order=order)
            sent += 1
    return sent


def _renewal_order_try(subscription: Subscription) -> Order | None:
    try:
        return renewal_order_issue(subscription=subscription)
    except GatewayUnavailable:
        return None
