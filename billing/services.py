"""Writes: checkout, order status changes, fulfilment, subscriptions and housekeeping.

Lock order (always this order, never the reverse): the Order row
(`select_for_update`) -> the organization's active Subscription row -> the organization's
credit balance row (taken inside credits.services). Every path that changes an order's
status goes through `order_status_apply`, under the order's row lock, so two deliveries
of the same notification, a webhook racing the reconcile task, and a replay an hour later
all line up behind one lock and the second finds the work done.

An order's status only moves forward (ORDER_STATUS_RANK): pending -> failed | expired ->
paid -> refunded. Money received wins over an earlier "expired" (the gateway really took
it), and such an order is flagged for staff; nothing moves a paid order back to pending,
failed or expired.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from core.errors import ApplicationError, Forbidden, NotFound, ValidationFailed
from credits.services.grants import credits_grant, credits_purchase

from .gateways import GatewayError, gateways_enabled
from .models import CreditPack, Fulfilment, Order, Plan, Subscription, WebhookEvent
from .selectors import subscription_cache_key

logger = logging.getLogger(__name__)

ORDER_STATUS_RANK = {
    Order.Status.PENDING: 0,
    Order.Status.FAILED: 1,
    Order.Status.EXPIRED: 1,
    Order.Status.PAID: 2,
    Order.Status.REFUNDED: 3,
}
LEDGER_REFERENCE_TYPE = "billing.order"


class GatewayUnavailable(ApplicationError):
    status_code = 502
    code = "GATEWAY_UNAVAILABLE"


# --- Checkout -------------------------------------------------------------------------


def order_checkout(*, membership: Membership, item: object, gateway: object, language: str = "en") -> Order:
    """A pending order for `item` ("plan:<code>" | "pack:<code>") and the gateway's checkout.

    Only owners and admins buy for an organization. The order is committed before the
    gateway is called (no transaction is held open over the network); if the gateway fails
    the order is marked failed and GatewayUnavailable (502) is raised.
    """
    if not membership.can_manage:
        raise Forbidden(
            _("Only owners and admins of %(organization)s can buy plans and credits. Ask one of them to buy it.")
            % {"organization": membership.organization.name}
        )
    plan, pack = _item_parse(item)
    adapter = gateways_enabled().get(gateway) if isinstance(gateway, str) else None
    if adapter is None:
        choices = ", ".join(gateways_enabled()) or _("none")
        raise ValidationFailed(
            _("Unknown or unavailable payment gateway."),
            fields={"gateway": [_("Choose one of: %(choices)s.") % {"choices": choices}]},
        )
    offer = plan or pack
    order = Order.objects.create(
        order_id=_order_id_new(),
        organization=membership.organization,
        user=membership.user,
        kind=Order.Kind.PLAN if plan else Order.Kind.PACK,
        plan=plan,
        pack=pack,
        item_name=offer.name,
        amount=offer.price_idr,
        credits=offer.credits,
        bonus_credits=getattr(offer, "bonus_credits", 0),
        gateway=adapter.code,
        language=(language or "en")[:8],
    )
    finish_url = f"{settings.SITE_URL.rstrip('/')}/billing/?order={order.order_id}"
    try:
        session = adapter.create_checkout(
            order=order,
            payer_email=membership.user.email,
            payer_name=membership.user.name,
            finish_url=finish_url,
        )
    except GatewayError as exc:
        logger.warning("Checkout of %s failed at %s: %s", order.order_id, adapter.code, exc)
        Order.objects.filter(pk=order.pk, status=Order.Status.PENDING).update(
            status=Order.Status.FAILED, gateway_status="checkout_failed", updated_at=timezone.now()
        )
        raise GatewayUnavailable(
            _("The payment gateway is not answering. Nothing was charged; please try again in a moment.")
        ) from exc
    order.gateway_reference = session.reference[:100]
    order.redirect_url = session.redirect_url[:500]
    order.save(update_fields=["gateway_reference", "redirect_url", "updated_at"])
    return order


def _item_parse(item: object) -> tuple[Plan | None, CreditPack | None]:
    unknown = ValidationFailed(
        _("Unknown item: choose a plan or a credit pack."),
        fields={"item": [_('Expected "plan:<code>" or "pack:<code>" of an item on sale.')]},
    )
    # An unprintable character (NUL, a lone surrogate) would fail the query itself: unknown, not a 500.
    if not isinstance(item, str) or ":" not in item or not item.isprintable():
        raise unknown
    kind, _sep, code = item.partition(":")
    if kind == "plan":
        plan = Plan.objects.filter(code=code, is_active=True, is_paid=True).first()
        if plan is None:
            raise unknown
        return plan, None
    if kind == "pack":
        pack = CreditPack.objects.filter(code=code, is_active=True).first()
        if pack is None:
            raise unknown
        return None, pack
    raise unknown


def _order_id_new() -> str:
    # Opaque, unique, and within Midtrans' 50 characters of [A-Za-z0-9-_~.].
    return f"MODO-{timezone.now():%Y%m%d}-{secrets.token_hex(8).upper()}"


# --- Status changes and fulfilment ----------------------------------------------------


@dataclass(frozen=True)
class StatusApplied:
    order: Order
    verdict: str  # WebhookEvent.Verdict
    reason: str
    fulfilled: bool = False


class AmountMismatch(ApplicationError):
    status_code = 400
    code = "AMOUNT_MISMATCH"


def amount_idr_parse(raw: object) -> int | None:
    """A gateway's amount ("49000.00", 49000, 49000.0) as whole IDR; None if it is not one."""
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value != value.to_integral_value():
        return None
    return int(value)


def order_status_apply(
    *, order_id: str, status: str, raw_status: str, amount: object = None, source: str = ""
) -> StatusApplied:
    """Move an order to `status` if that is forward, fulfilling it when it becomes paid.

    `amount` is what the gateway says was paid; if given it must equal the order's amount,
    else nothing changes and the order is flagged for staff (AmountMismatch is raised after
    the flag is committed).
    """
    mismatch = None
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(order_id=order_id).first()
        if order is None:
            raise NotFound(_("Unknown order."))
        if amount is not None and amount_idr_parse(amount) != order.amount:
            order.needs_review = True
            note = f"Amount mismatch from {source or order.gateway}: got {amount!r}, expected {order.amount}"
            order.review_note = note[:255]
            order.save(update_fields=["needs_review", "review_note", "updated_at"])
            mismatch = order
        elif ORDER_STATUS_RANK.get(status, -1) <= ORDER_STATUS_RANK[order.status]:
            if raw_status and order.status == status == Order.Status.PENDING:
                order.gateway_status = raw_status[:40]
                order.save(update_fields=["gateway_status", "updated_at"])
            return StatusApplied(
                order=order,
                verdict=WebhookEvent.Verdict.IGNORED,
                reason=f"order is {order.status}; {raw_status or status} does not move it forward",
            )
        else:
            return _order_status_move(order, status=status, raw_status=raw_status, source=source)
    raise AmountMismatch(
        _("The amount does not match the order."), order_id=mismatch.order_id, expected=mismatch.amount
    )


def _order_status_move(order: Order, *, status: str, raw_status: str, source: str) -> StatusApplied:
    """Inside the order's lock: the move itself, and fulfilment when it is paid."""
    previous = order.status
    now = timezone.now()
    order.status = status
    order.gateway_status = (raw_status or status)[:40]
    fulfilled = False
    reason = f"{previous} -> {status}"
    if status == Order.Status.PAID:
        order.paid_at = order.paid_at or now
        if previous != Order.Status.PENDING:
            order.needs_review = True
            order.review_note = f"Paid after it was {previous} ({source}); fulfilled."[:255]
        if order.fulfilled_at is None:
            _order_fulfil(order, now=now)
            fulfilled = True
    elif status == Order.Status.REFUNDED:
        order.needs_review = True
        order.review_note = f"Refunded at the gateway ({raw_status}); credits were not taken back."[:255]
    order.save()
    if fulfilled:
        transaction.on_commit(lambda: _receipt_enqueue(order.pk))
    verdict = WebhookEvent.Verdict.FLAGGED if status == Order.Status.REFUNDED else WebhookEvent.Verdict.PROCESSED
    return StatusApplied(order=order, verdict=verdict, reason=reason, fulfilled=fulfilled)


def _receipt_enqueue(order_pk: int) -> None:
    from .tasks import order_receipt_send

    order_receipt_send.delay(order_pk)


def _order_fulfil(order: Order, *, now) -> None:
    """Exactly once per order: the Fulfilment row is unique per order, written in the same
    transaction as the ledger rows (reference billing.order / order_id)."""
    reference = (LEDGER_REFERENCE_TYPE, order.order_id)
    subscription = None
    if order.kind == Order.Kind.PLAN:
        subscription = _subscription_extend_or_start(order, now=now)
        credits_grant(
            organization=order.organization,
            amount=order.credits,
            user=order.user,
            reference=reference,
            description=_("%(plan)s plan: credits for the period") % {"plan": order.item_name},
        )
    else:
        credits_purchase(
            organization=order.organization,
            amount=order.credits,
            bonus_amount=order.bonus_credits,
            user=order.user,
            reference=reference,
            description=_("Credit pack: %(pack)s") % {"pack": order.item_name},
        )
        _subscription_changed(order.organization_id)  # the cached state says whether a pack was bought
    Fulfilment.objects.create(
        order=order,
        subscription=subscription,
        credits=order.credits,
        bonus_credits=order.bonus_credits,
        created_at=now,
    )
    order.fulfilled_at = now


def _subscription_extend_or_start(order: Order, *, now) -> Subscription:
    """The same plan, still active: one more period after its end (or from now if it lapsed).
    Another plan or the trial: it ends now (canceled) and the bought plan starts now."""
    plan = order.plan
    period = timedelta(days=plan.period_days)
    active = (
        Subscription.objects.select_for_update()
        .filter(organization_id=order.organization_id, status=Subscription.Status.ACTIVE)
        .first()
    )
    if active is not None and active.plan_id == plan.pk:
        active.current_period_end = max(active.current_period_end, now) + period
        active.gateway = order.gateway
        active.language = order.language
        active.save(update_fields=["current_period_end", "gateway", "language", "updated_at"])
        _subscription_changed(order.organization_id)
        return active
    if active is not None:
        active.status = Subscription.Status.CANCELED
        active.current_period_end = max(now, active.current_period_start + timedelta(seconds=1))
        active.save(update_fields=["status", "current_period_end", "updated_at"])
    subscription = Subscription.objects.create(
        organization_id=order.organization_id,
        plan=plan,
        status=Subscription.Status.ACTIVE,
        current_period_start=now,
        current_period_end=now + period,
        gateway=order.gateway,
        language=order.language,
    )
    _subscription_changed(order.organization_id)
    return subscription


def _subscription_changed(organization_id) -> None:
    """Drop the cached copy now and again after commit (a reader between the two could
    have cached the old row)."""
    key = subscription_cache_key(organization_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


# --- Subscriptions --------------------------------------------------------------------


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
    _subscription_changed(organization.pk)
    return subscription


def subscription_expire(*, subscription_id: int) -> bool:
    """Expire one active subscription whose period has ended; False if someone else did, or
    it was extended meanwhile. Safe to run twice at once: the row lock decides."""
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update()
            .filter(pk=subscription_id, status=Subscription.Status.ACTIVE, current_period_end__lte=timezone.now())
            .first()
        )
        if subscription is None:
            return False
        subscription.status = Subscription.Status.EXPIRED
        subscription.save(update_fields=["status", "updated_at"])
        _subscription_changed(subscription.organization_id)
    return True


def subscription_expire_due(*, paid: bool) -> int:
    """Expire the active subscriptions (paid plans, or trials) past their period end."""
    due = Subscription.objects.filter(
        status=Subscription.Status.ACTIVE, plan__is_paid=paid, current_period_end__lte=timezone.now()
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(due) if subscription_expire(subscription_id=pk))


def subscription_reminders_send(*, days_before: int = 3) -> int:
    """Email once per period, `days_before` days before a paid period ends.

    The claim is one conditional UPDATE (reminded_for_period_end := current_period_end);
    of two runs at once only one wins it, so each period gets one reminder.
    """
    from .emails import subscription_reminder_email_send

    now = timezone.now()
    candidates = Subscription.objects.filter(
        status=Subscription.Status.ACTIVE,
        plan__is_paid=True,
        current_period_end__gt=now,
        current_period_end__lte=now + timedelta(days=days_before),
    ).select_related("plan", "organization")
    sent = 0
    for subscription in candidates:
        claimed = (
            Subscription.objects.filter(pk=subscription.pk, current_period_end=subscription.current_period_end)
            .exclude(reminded_for_period_end=subscription.current_period_end)
            .update(reminded_for_period_end=subscription.current_period_end, updated_at=now)
        )
        if claimed:
            subscription_reminder_email_send(subscription=subscription)
            sent += 1
    return sent


# --- Orders housekeeping --------------------------------------------------------------


def order_expire_stale(*, older_than: timedelta) -> int:
    """Pending orders older than `older_than` are expired (forward-only, under the lock)."""
    cutoff = timezone.now() - older_than
    stale = list(
        Order.objects.filter(status=Order.Status.PENDING, created_at__lte=cutoff).values_list("order_id", flat=True)
    )
    expired = 0
    for order_id in stale:
        applied = order_status_apply(
            order_id=order_id, status=Order.Status.EXPIRED, raw_status="expired_by_modo", source="expiry"
        )
        expired += applied.verdict == WebhookEvent.Verdict.PROCESSED
    return expired


def order_recheck(*, order: Order) -> StatusApplied | None:
    """Ask the order's gateway for its status and apply it; None when the gateway has no
    status API (dev), is not configured, or knows nothing decisive."""
    adapter = gateways_enabled().get(order.gateway)
    if adapter is None:
        return None
    answer = adapter.fetch_status(order=order)
    if answer is None or answer.status is None:
        return None
    return order_status_apply(
        order_id=order.order_id,
        status=answer.status,
        raw_status=answer.raw_status,
        amount=answer.amount,
        source=f"{order.gateway} status API",
    )


def order_reconcile_pending(*, older_than: timedelta, younger_than: timedelta) -> int:
    """Catch lost webhooks: ask the gateway about orders pending for a while."""
    now = timezone.now()
    orders = Order.objects.filter(
        status=Order.Status.PENDING,
        created_at__lte=now - older_than,
        created_at__gt=now - younger_than,
        gateway__in=[Order.Gateway.MIDTRANS, Order.Gateway.XENDIT],
    )
    changed = 0
    for order in list(orders):
        try:
            applied = order_recheck(order=order)
        except (GatewayError, AmountMismatch) as exc:
            logger.warning("Reconciling %s failed: %s", order.order_id, exc)
            continue
        changed += bool(applied and applied.verdict == WebhookEvent.Verdict.PROCESSED)
    return changed
