"""Subscriptions: what a paid plan order does to them, the trial, cancel / resume, expiry.

States (models.Subscription): active -> canceled (runs to its period end) -> expired;
active -> past_due (period ended unpaid, grace period) -> active (paid) | expired.

Late payments (the customer's money is never kept for nothing): a renewal paid when it is no
longer due -- its link was withdrawn, or a gateway's recurring charge raced the stop -- still
buys a period, and the order is flagged for staff (who may refund instead):
- the subscription still runs (canceled included) on the same plan: one more period after
  the paid end, its state unchanged (a canceled plan still ends, just later);
- it expired or was replaced by nothing paid, or by the same plan: the plan is bought from
  now (as a purchase would);
- another paid plan runs (or it runs on another plan now): the period's credits only.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from audit.models import StaffAction
from audit.services import staff_action_record
from core.errors import NotFound, ValidationFailed
from core.memo import memo_forget

from ..gateways import GatewayError, recurring_get
from ..models import Order, Plan, Subscription
from ..recurring_tasks import payment_link_expire, recurring_amount_sync, recurring_stop
from ..selectors import (
    CURRENT_STATUSES,
    subscription_cache_key,
    subscription_current_for_update,
    subscription_current_get,
)
from .checkout import GatewayUnavailable, billing_manager_require
from .gopay_unbind import gopay_links_unbind


def subscription_changed(organization_id) -> None:
    """Drop the cached copy now and again after commit (a reader between the two could
    have cached the old row)."""
    key = subscription_cache_key(organization_id)
    cache.delete(key)
    memo_forget(key)  # this request reads it again too
    transaction.on_commit(lambda: (cache.delete(key), memo_forget(key)))


def subscription_for_auto_renewal(*, organization: Organization) -> Subscription:
    """The subscription automatic renewal would renew: the organization's active paid plan."""
    subscription = subscription_current_get(organization=organization)
    if subscription is None or not subscription.plan.is_paid or subscription.status != Subscription.Status.ACTIVE:
        raise NotFound(_("There is no active paid plan to renew automatically."), code="NO_SUBSCRIPTION")
    return subscription


def subscription_auto_renewal_on(subscription: Subscription, *, gateway: str, reference: str) -> None:
    """Inside the subscription's lock: renewal is automatic from now on, charged by the
    gateway's recurring plan `reference` (what a stop, and a charge's match, look for)."""
    subscription.renewal_mode = Subscription.RenewalMode.AUTO
    subscription.auto_renewal_gateway = gateway
    subscription.auto_renewal_reference = reference[:100]
    subscription.save(update_fields=["renewal_mode", "auto_renewal_gateway", "auto_renewal_reference", "updated_at"])
    subscription_changed(subscription.organization_id)


def subscription_auto_renewal_off(subscription: Subscription) -> None:
    """Inside the subscription's lock: renewal by hand from now on, and the GoPay account its
    Midtrans subscription charged (if any) is unbound after commit (services.gopay_unbind), in
    the same transaction, so no failure leaves renewal half on. The caller stops the gateway's
    plan. The recurring reference stays: a charge that raced the stop is still recognised."""
    subscription.renewal_mode = Subscription.RenewalMode.MANUAL
    Subscription.objects.filter(pk=subscription.pk).update(
        renewal_mode=Subscription.RenewalMode.MANUAL, updated_at=timezone.now()
    )
    gopay_links_unbind(gateway=subscription.auto_renewal_gateway, reference=subscription.auto_renewal_reference)
    subscription_changed(subscription.organization_id)


def subscription_apply_paid_order(*, order: Order, now) -> Subscription:
    """Inside the order's lock: a paid plan order starts, extends, renews or upgrades the
    organization's subscription."""
    current = subscription_current_for_update(organization_id=order.organization_id)
    if order.purpose == Order.Purpose.RENEWAL:
        return _subscription_renewal_paid(current, order=order, now=now)
    if order.purpose == Order.Purpose.UPGRADE and current is not None and current.pk == order.subscription_id:
        return _subscription_upgrade(current, order=order)
    return _subscription_extend_or_start(current, order=order, now=now)


def _subscription_renewal_paid(current: Subscription | None, *, order: Order, now) -> Subscription | None:
    """A paid renewal: on time it renews; late or stale it follows the late-payment rule above."""
    due = (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE)
    if current is not None and current.pk == order.subscription_id:
        if current.status in due and current.current_period_end == order.renews_period_end:
            return _subscription_renew(current, order=order)
        if current.plan_id == order.plan_id:
            _late_payment_flag(order, "period added after the paid end")
            current.current_period_end = current.current_period_end + timedelta(days=order.plan.period_days)
            current.save(update_fields=["current_period_end", "updated_at"])
            renewal_orders_void(current, reason="superseded", keep_period_end=current.current_period_end)
            subscription_changed(current.organization_id)
            return current
        _late_payment_flag(order, "the plan changed meanwhile: credits granted only")
        return current
    if current is None or not current.plan.is_paid or current.plan_id == order.plan_id:
        _late_payment_flag(order, "its subscription had ended: the plan starts now")
        return _subscription_extend_or_start(current, order=order, now=now)
    _late_payment_flag(order, "another plan runs: credits granted only")
    return current


def _late_payment_flag(order: Order, what: str) -> None:
    """Saved with the order by the caller (fulfilment)."""
    order.needs_review = True
    note = f"Renewal paid when no longer due: {what}; refund if the customer asks. {order.review_note}"
    order.review_note = note.strip()[:255]


def _subscription_renew(subscription: Subscription, *, order: Order) -> Subscription:
    """One more period from the current period end (not from the payment date), on the plan
    the order was for (a scheduled downgrade included)."""
    plan = order.plan
    subscription.current_period_start = subscription.current_period_end
    subscription.current_period_end = subscription.current_period_end + timedelta(days=plan.period_days)
    subscription.plan = plan
    subscription.next_plan = None
    subscription.status = Subscription.Status.ACTIVE
    subscription.grace_ends_at = None
    subscription.dunning_reminded_on = None
    subscription.gateway = order.gateway
    subscription.save()
    renewal_orders_void(subscription, reason="superseded", keep_period_end=subscription.current_period_end)
    subscription_changed(subscription.organization_id)
    return subscription


def _subscription_upgrade(subscription: Subscription, *, order: Order) -> Subscription:
    """The bought plan from now, same period end; the prorated credits come with the order.
    Other pending upgrade orders are withdrawn; a second one paid anyway is flagged for staff."""
    if subscription.plan_id == order.plan_id:
        order.needs_review = True
        order.review_note = "Upgrade paid for a plan already in place; credits granted, refund to consider."
    Order.objects.filter(subscription=subscription, purpose=Order.Purpose.UPGRADE, status=Order.Status.PENDING).exclude(
        pk=order.pk
    ).update(status=Order.Status.FAILED, gateway_status="superseded_by_upgrade", updated_at=timezone.now())
    subscription.plan = order.plan
    subscription.next_plan = None
    if subscription.status == Subscription.Status.CANCELED:
        subscription.status = Subscription.Status.ACTIVE
    subscription.save(update_fields=["plan", "next_plan", "status", "updated_at"])
    renewal_orders_void(subscription, reason="superseded_by_upgrade")  # at the old price; the beat issues anew
    subscription_recurring_amount_follow(subscription)
    subscription_changed(subscription.organization_id)
    return subscription


def subscription_recurring_amount_follow(subscription: Subscription) -> None:
    """After commit, tell the gateway of an auto-renewing subscription the next period's price."""
    if subscription.renewal_mode == Subscription.RenewalMode.AUTO:
        transaction.on_commit(lambda: recurring_amount_sync.delay(subscription.pk))


def _subscription_extend_or_start(current: Subscription | None, *, order: Order, now) -> Subscription:
    """A purchase. The same plan, still current: one more period after its end. Another plan,
    the trial or nothing current: the current one ends now (canceled) and the bought plan
    starts now."""
    plan = order.plan
    period = timedelta(days=plan.period_days)
    if current is not None and current.plan_id == plan.pk and current.status != Subscription.Status.PAST_DUE:
        current.current_period_end = max(current.current_period_end, now) + period
        current.status = Subscription.Status.ACTIVE
        current.gateway = order.gateway
        current.language = order.language
        current.save(update_fields=["current_period_end", "status", "gateway", "language", "updated_at"])
        renewal_orders_void(current, reason="superseded", keep_period_end=current.current_period_end)
        subscription_changed(order.organization_id)
        return current
    if current is not None:
        current.status = Subscription.Status.CANCELED
        current.current_period_end = max(now, current.current_period_start + timedelta(seconds=1))
        current.grace_ends_at = None
        current.save(update_fields=["status", "current_period_end", "grace_ends_at", "updated_at"])
        renewal_orders_void(current, reason="superseded_by_purchase")
        subscription_recurring_stop(current)
    subscription = Subscription.objects.create(
        organization_id=order.organization_id,
        plan=plan,
        status=Subscription.Status.ACTIVE,
        current_period_start=now,
        current_period_end=now + period,
        gateway=order.gateway,
        language=order.language,
    )
    subscription_changed(order.organization_id)
    return subscription


def subscription_start_trial(*, organization: Organization) -> Subscription | None:
    """Every new organization starts on the trial plan for TRIAL_DAYS."""
    trial = Plan.objects.filter(code="trial").first()
    if trial is None or Subscription.objects.filter(organization=organization).exists():
        return None
    start = organization.created_at or timezone.now()
    subscription = Subscription.objects.create(
        organization=organization,
        plan=trial,
        status=Subscription.Status.ACTIVE,
        current_period_start=start,
        current_period_end=start + timedelta(days=settings.TRIAL_DAYS),
    )
    subscription_changed(organization.pk)
    return subscription


def _paid_subscription_for_owner(membership: Membership) -> Subscription:
    billing_manager_require(membership)
    with transaction.atomic():
        subscription = subscription_current_for_update(organization_id=membership.organization_id)
    if subscription is None or not subscription.plan.is_paid or subscription.current_period_end <= timezone.now():
        raise NotFound(_("There is no paid plan running to cancel or resume."), code="NO_SUBSCRIPTION")
    return subscription


def subscription_cancel(*, membership: Membership) -> Subscription:
    """Cancel at the period end: nothing is refunded, nothing is lost until then. Automatic
    renewal is switched off at the gateway first (it must not charge again); resuming renews
    by hand until the owner turns it on again."""
    current = _paid_subscription_for_owner(membership)
    if current.status != Subscription.Status.ACTIVE:
        raise ValidationFailed(_("Only an active plan can be canceled."), code="NOT_ACTIVE")
    auto = current.renewal_mode == Subscription.RenewalMode.AUTO
    recurring = recurring_get(current.auto_renewal_gateway) if auto and current.auto_renewal_reference else None
    if recurring is not None:
        try:
            recurring.stop(reference=current.auto_renewal_reference)
        except GatewayError as exc:
            raise GatewayUnavailable(_("The payment gateway is not answering. Please try again in a moment.")) from exc
    with transaction.atomic():
        subscription = subscription_current_for_update(organization_id=membership.organization_id)
        if subscription.status != Subscription.Status.ACTIVE:
            raise ValidationFailed(_("Only an active plan can be canceled."), code="NOT_ACTIVE")
        if subscription.renewal_mode == Subscription.RenewalMode.AUTO:  # stopped at the gateway above
            subscription_auto_renewal_off(subscription)
        subscription.status = Subscription.Status.CANCELED
        subscription.next_plan = None
        subscription.save(update_fields=["status", "next_plan", "updated_at"])
        subscription_changed(subscription.organization_id)
        renewal_orders_void(subscription, reason="canceled_by_owner")
    return subscription


def subscription_resume(*, membership: Membership) -> Subscription:
    """Undo a cancel before the period ends."""
    _paid_subscription_for_owner(membership)
    with transaction.atomic():
        subscription = subscription_current_for_update(organization_id=membership.organization_id)
        if subscription.status != Subscription.Status.CANCELED:
            raise ValidationFailed(_("Only a canceled plan can be resumed."), code="NOT_CANCELED")
        subscription.status = Subscription.Status.ACTIVE
        subscription.save(update_fields=["status", "updated_at"])
        subscription_changed(subscription.organization_id)
    return subscription


def renewal_orders_void(subscription: Subscription, *, reason: str, keep_period_end=None) -> int:
    """Withdraw the subscription's pending renewal orders (all, or all but the one for
    `keep_period_end`): the billing page stops offering them and, after commit, their payment
    links are closed at the gateway. One paid anyway follows the late-payment rule."""
    stale = Order.objects.filter(subscription=subscription, purpose=Order.Purpose.RENEWAL, status=Order.Status.PENDING)
    if keep_period_end is not None:
        stale = stale.exclude(renews_period_end=keep_period_end)
    withdrawn = dict(stale.values_list("pk", "redirect_url"))
    Order.objects.filter(pk__in=withdrawn, status=Order.Status.PENDING).update(
        status=Order.Status.FAILED, gateway_status=reason[:40], updated_at=timezone.now()
    )
    for pk, link in withdrawn.items():
        if link:  # a recurring charge's order has no link: the gateway's plan is stopped instead
            transaction.on_commit(lambda pk=pk: payment_link_expire.delay(pk))
    return len(withdrawn)


def subscription_recurring_stop(subscription: Subscription) -> None:
    """Inside the subscription's lock: back to manual renewal (a GoPay account it charged is
    unbound) and, after commit, the gateway's recurring plan is stopped (retried until the
    gateway answers). The reference stays, so a charge that raced the stop is still recognised
    (and follows the late-payment rule)."""
    if subscription.renewal_mode != Subscription.RenewalMode.AUTO:
        return
    subscription_auto_renewal_off(subscription)
    gateway, reference = subscription.auto_renewal_gateway, subscription.auto_renewal_reference
    transaction.on_commit(lambda: recurring_stop.delay(gateway, reference))


def subscription_lapse(*, subscription_id: int) -> str | None:
    """One subscription whose time is up moves on, under its row lock (safe to run twice at
    once): a trial or a canceled plan expires at its period end; an unpaid active paid plan
    becomes past_due for BILLING_GRACE_DAYS; a past-due one expires when its grace ends.
    Returns the new status, or None if nothing was due (someone else did it, or it was paid)."""
    now = timezone.now()
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update()
            .select_related("plan")
            .filter(pk=subscription_id, status__in=CURRENT_STATUSES)
            .first()
        )
        if subscription is None:
            return None
        if subscription.status == Subscription.Status.PAST_DUE:
            if subscription.grace_ends_at and subscription.grace_ends_at > now:
                return None
            subscription.status = Subscription.Status.EXPIRED
        elif subscription.current_period_end > now:
            return None
        elif subscription.plan.is_paid and subscription.status == Subscription.Status.ACTIVE:
            subscription.status = Subscription.Status.PAST_DUE
            subscription.grace_ends_at = subscription.current_period_end + timedelta(days=settings.BILLING_GRACE_DAYS)
        else:
            subscription.status = Subscription.Status.EXPIRED
        subscription.save(update_fields=["status", "grace_ends_at", "updated_at"])
        if subscription.status == Subscription.Status.EXPIRED:
            renewal_orders_void(subscription, reason="expired")
            subscription_recurring_stop(subscription)
        subscription_changed(subscription.organization_id)
    return subscription.status


def subscription_lapse_due(*, paid: bool) -> int:
    """Move on every subscription (paid plans, or trials) whose period or grace is over.
    Counts the ones that moved."""
    now = timezone.now()
    due = Subscription.objects.filter(plan__is_paid=paid).filter(
        status__in=[Subscription.Status.ACTIVE, Subscription.Status.CANCELED], current_period_end__lte=now
    ) | Subscription.objects.filter(plan__is_paid=paid, status=Subscription.Status.PAST_DUE, grace_ends_at__lte=now)
    statuses = [subscription_lapse(subscription_id=pk) for pk in list(due.values_list("pk", flat=True))]
    return sum(1 for status in statuses if status)


def subscription_extend_by_staff(*, subscription_id: int, actor, days: int) -> Subscription:
    """Staff: `days` more on the current period (a goodwill extension), audited in the same
    transaction. A past-due subscription becomes active again."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
        before = {"status": subscription.status, "current_period_end": subscription.current_period_end.isoformat()}
        subscription.current_period_end = subscription.current_period_end + timedelta(days=days)
        if subscription.status in (Subscription.Status.PAST_DUE, Subscription.Status.EXPIRED):
            subscription.status = Subscription.Status.ACTIVE
            subscription.grace_ends_at = None
        subscription.save(update_fields=["current_period_end", "status", "grace_ends_at", "updated_at"])
        staff_action_record(
            actor=actor,
            action=StaffAction.Action.SUBSCRIPTION_CHANGE,
            target=subscription,
            reason=f"Extended by {days} days from the admin.",
            before=before,
            after={"status": subscription.status, "current_period_end": subscription.current_period_end.isoformat()},
        )
        subscription_changed(subscription.organization_id)
    return subscription


def subscription_cancel_by_staff(*, subscription_id: int, actor) -> Subscription:
    """Staff: cancel at the period end (nothing refunded), audited in the same transaction."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
        before = {"status": subscription.status}
        if subscription.status in (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE):
            subscription.status = (
                Subscription.Status.CANCELED
                if subscription.current_period_end > timezone.now()
                else Subscription.Status.EXPIRED
            )
            subscription.save(update_fields=["status", "updated_at"])
            renewal_orders_void(subscription, reason="canceled_by_staff")
            subscription_recurring_stop(subscription)
        staff_action_record(
            actor=actor,
            action=StaffAction.Action.SUBSCRIPTION_CHANGE,
            target=subscription,
            reason="Canceled from the admin.",
            before=before,
            after={"status": subscription.status},
        )
        subscription_changed(subscription.organization_id)
    return subscription
