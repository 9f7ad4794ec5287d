"""Renewal: renewal orders, reminders before the period ends, dunning after it, and
auto-renewal through a gateway's recurring API.

Manual renewal: BILLING_RENEWAL_ORDER_DAYS_BEFORE (7) days before a period ends the beat
issues a renewal order with a payment link; reminders go out at each of
BILLING_RENEWAL_REMINDER_DAYS (7, 3, 1) days before, by email and on the billing page.
Paying it extends from the current period end (subscriptions._subscription_renew).

Dunning: a period that ends unpaid is past due for BILLING_GRACE_DAYS with one reminder a
day, then it expires (subscriptions.subscription_lapse).

Auto-renewal: the gateway charges each period itself (Midtrans Subscriptions API, Xendit
recurring plans); each successful charge arrives as a webhook and becomes a paid renewal
order of its own, deduplicated on the gateway's charge id, so duplicates, replays and
out-of-order deliveries never extend twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.errors import NotFound, ValidationFailed

from ..emails import subscription_dunning_email_send, subscription_reminder_email_send
from ..gateways import GatewayError, gateways_enabled, recurring_get
from ..gateways.base import RecurringCharge
from ..models import Order, Subscription
from ..selectors import subscription_current_for_update, subscription_current_get
from .checkout import GatewayUnavailable, billing_manager_require, gateway_choose, order_id_new, order_payment_open
from .fulfilment import StatusApplied, order_status_apply
from .subscriptions import renewal_orders_void, subscription_changed

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


# --- Auto-renewal ---------------------------------------------------------------------------


def auto_renewal_enable(*, membership: Membership, gateway: object, payment_token: object) -> Subscription:
    """Let the gateway charge each period from the current period end on: `payment_token` is
    the card token or GoPay account (Midtrans) or the payment method id (Xendit)."""
    billing_manager_require(membership)
    adapter = gateway_choose(gateway)
    recurring = recurring_get(adapter.code)
    if recurring is None:
        raise ValidationFailed(
            _("This gateway cannot renew automatically."),
            fields={"gateway": [_("Choose a gateway that supports automatic renewal.")]},
        )
    if not isinstance(payment_token, str) or not payment_token.strip():
        raise ValidationFailed(
            _("A saved payment method is needed."), fields={"payment_token": [_("This field is required.")]}
        )
    if not recurring.payment_token_valid(payment_token):  # checked before anything is sent anywhere
        raise ValidationFailed(
            _("This is not a payment token of %(gateway)s.") % {"gateway": adapter.label},
            fields={"payment_token": [_("Not a payment method the gateway accepts.")]},
        )
    subscription = subscription_current_get(organization=membership.organization)
    if subscription is None or not subscription.plan.is_paid or subscription.status != Subscription.Status.ACTIVE:
        raise NotFound(_("There is no active paid plan to renew automatically."), code="NO_SUBSCRIPTION")
    if subscription.renewal_mode == Subscription.RenewalMode.AUTO:
        return subscription
    try:
        reference = recurring.start(
            subscription=subscription,
            plan=subscription.next_plan or subscription.plan,
            payment_token=payment_token,
            payer_email=membership.user.email,
        )
    except GatewayError as exc:
        if not exc.retryable:  # the gateway refused what we sent: the payment method
            raise ValidationFailed(
                _("The payment gateway refused this payment method."),
                fields={"payment_token": [_("Not a payment method the gateway accepts.")]},
            ) from exc
        raise GatewayUnavailable(_("The payment gateway is not answering. Please try again in a moment.")) from exc
    with transaction.atomic():
        subscription = subscription_current_for_update(organization_id=membership.organization_id)
        subscription.renewal_mode = Subscription.RenewalMode.AUTO
        subscription.auto_renewal_gateway = adapter.code
        subscription.auto_renewal_reference = reference[:100]
        subscription.save(
            update_fields=["renewal_mode", "auto_renewal_gateway", "auto_renewal_reference", "updated_at"]
        )
        subscription_changed(subscription.organization_id)
    return subscription


def auto_renewal_disable(*, membership: Membership) -> Subscription:
    """Back to manual renewal: the gateway's recurring plan is switched off."""
    billing_manager_require(membership)
    subscription = subscription_current_get(organization=membership.organization)
    if subscription is None or subscription.renewal_mode != Subscription.RenewalMode.AUTO:
        raise NotFound(_("Automatic renewal is not on."), code="NO_AUTO_RENEWAL")
    recurring = recurring_get(subscription.auto_renewal_gateway)
    if recurring is not None:
        try:
            recurring.stop(reference=subscription.auto_renewal_reference)
        except GatewayError as exc:
            raise GatewayUnavailable(_("The payment gateway is not answering. Please try again in a moment.")) from exc
    # The reference stays: a charge that raced the stop is still recognised (late-payment rule).
    Subscription.objects.filter(pk=subscription.pk).update(
        renewal_mode=Subscription.RenewalMode.MANUAL, updated_at=timezone.now()
    )
    subscription_changed(subscription.organization_id)
    subscription.refresh_from_db()
    return subscription


def auto_renewal_charge_apply(*, charge: RecurringCharge) -> StatusApplied | None:
    """A gateway's word on one recurring charge. Its charge id is the order id, so the same
    charge is one order however often and in whatever order its notifications arrive; the
    order's status only moves forward and it is fulfilled once. None when no subscription of
    ours has that recurring reference. A charge of a plan already stopped (it raced the stop)
    is still matched: its renewal order follows the late-payment rule (services.subscriptions)."""
    mine = Subscription.objects.select_related("plan", "next_plan").filter(auto_renewal_gateway=charge.gateway)
    if charge.subscription_id is not None:
        mine = mine.filter(pk=charge.subscription_id)
    else:
        mine = mine.filter(auto_renewal_reference=charge.reference)
    subscription = mine.exclude(auto_renewal_reference="").order_by("-current_period_end").first()
    if subscription is None:
        return None
    order = Order.objects.filter(order_id=charge.charge_id).first()
    if order is None:
        order = _auto_renewal_order_create(subscription, charge=charge)
    applied = order_status_apply(
        order_id=order.order_id,
        status=charge.status,
        raw_status=charge.raw_status,
        amount=charge.amount,
        source=f"{charge.gateway} recurring",
    )
    return applied


def _auto_renewal_order_create(subscription: Subscription, *, charge: RecurringCharge) -> Order:
    """The order of one recurring charge, renewing the period it was charged for. A manual
    renewal order left pending for that period is withdrawn (the gateway charged instead)."""
    plan = subscription.next_plan or subscription.plan
    try:
        with transaction.atomic():
            renewal_orders_void(subscription, reason="superseded_by_auto_renewal")
            return Order.objects.create(
                order_id=charge.charge_id[:50],
                organization_id=subscription.organization_id,
                kind=Order.Kind.PLAN,
                plan=plan,
                item_name=plan.name,
                amount=plan.price_idr,
                credits=plan.credits,
                gateway=charge.gateway,
                language=subscription.language,
                purpose=Order.Purpose.RENEWAL,
                subscription=subscription,
                renews_period_end=subscription.current_period_end,
                gateway_reference=(charge.reference or subscription.auto_renewal_reference)[:100],
            )
    except IntegrityError:  # the same charge from a concurrent delivery
        return Order.objects.get(order_id=charge.charge_id[:50])
