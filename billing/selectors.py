"""Reads: plans and packs for sale, orders of an organization, the cached subscription state."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import Organization
from core.errors import NotFound
from core.memo import memoized
from credits.hooks import Tier

from .models import CardCheck, CreditPack, GopayLink, Invoice, Order, Plan, Subscription

SUBSCRIPTION_CACHE_SECONDS = 5 * 60
CURRENT_STATUSES = (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE, Subscription.Status.CANCELED)


@dataclass(frozen=True)
class SubscriptionState:
    """What /api/me, the rate limiter and the pages need to know about an organization's plan."""

    tier: str
    name: str
    status: str
    current_period_start: datetime | None
    current_period_end: datetime | None
    daily_limit: int
    paid: bool
    credits_bought: bool = False  # it paid for a pack or a plan once: its credits stay spendable
    entry_plan_daily_limit: int = 0  # the cheapest plan for sale's, for a buyer without a current plan
    service_ends_at: datetime | None = None  # the period end, or the grace period's end when unpaid

    @property
    def requests_per_day(self) -> int:
        """The AI requests per user per 24 h the organization gets: its plan's, or for a buyer
        without a current plan (a pack, or a plan that lapsed) the entry plan's: the trial's 2 a
        day would take months to use up what was bought."""
        if self.credits_bought and not self.is_paid_and_current:
            return self.entry_plan_daily_limit or self.daily_limit
        return self.daily_limit

    @property
    def is_paid_and_current(self) -> bool:
        """A paid plan that still serves: active or canceled before its period end, past due
        within its grace period (an active one whose end just passed is past due in effect)."""
        return (
            self.paid
            and self.status != Subscription.Status.EXPIRED
            and self.service_ends_at is not None
            and self.service_ends_at > timezone.now()
        )


def subscription_cache_key(organization_id) -> str:
    return f"billing:subscription:{organization_id}"


def subscription_state_get(*, organization: Organization) -> SubscriptionState:
    """The organization's subscription, from the cache (5 minutes) or the database, and within a
    request from the request's memo (core.memo).

    Every change of a subscription deletes both copies (services.subscription_changed).
    """
    key = subscription_cache_key(organization.pk)
    return memoized(key, lambda: _subscription_state_cached(organization, key))  # once per request


def _subscription_state_cached(organization: Organization, key: str) -> SubscriptionState:
    cached = cache.get(key)
    if cached is None:
        cached = _subscription_state_row(organization)
        cache.set(key, cached, SUBSCRIPTION_CACHE_SECONDS)
    return SubscriptionState(
        tier=cached["tier"],
        name=cached["name"],
        status=cached["status"],
        current_period_start=parse_datetime(cached["start"]) if cached["start"] else None,
        current_period_end=parse_datetime(cached["end"]) if cached["end"] else None,
        daily_limit=cached["daily_limit"],
        paid=cached["paid"],
        credits_bought=cached.get("credits_bought", False),
        entry_plan_daily_limit=cached.get("entry_plan_daily_limit", 0),
        service_ends_at=parse_datetime(cached["service_end"]) if cached.get("service_end") else None,
    )


def _subscription_state_row(organization: Organization) -> dict:
    subscription = (
        Subscription.objects.filter(organization_id=organization.pk)
        .select_related("plan")
        .order_by("-current_period_end")
        .first()
    )
    current = (
        Subscription.objects.filter(organization_id=organization.pk, status__in=CURRENT_STATUSES)
        .select_related("plan")
        .order_by("-current_period_end")
        .first()
    )
    subscription = current or subscription
    # Any paid order, pack or plan: purchased credits are spendable whatever the plan's state
    # (DESIGN section 6); a lapsed plan only lowers the daily rate.
    credits_bought = Order.objects.filter(organization_id=organization.pk, fulfilled_at__isnull=False).exists()
    entry_plan_daily_limit = (
        (plan_list_for_sale().values_list("daily_limit", flat=True).first() or 0) if credits_bought else 0
    )
    if subscription is not None:
        plan = subscription.plan
        return {
            "tier": plan.code,
            "name": plan.name,
            "status": subscription.status,
            "start": subscription.current_period_start.isoformat(),
            "end": subscription.current_period_end.isoformat(),
            "daily_limit": plan.daily_limit,
            "paid": plan.is_paid,
            "credits_bought": credits_bought,
            "entry_plan_daily_limit": entry_plan_daily_limit,
            "service_end": subscription_service_end(subscription).isoformat(),
        }
    # No row (an organization made before billing, or outside accounts.services): its trial
    # runs TRIAL_DAYS from its creation.
    start = organization.created_at or timezone.now()
    end = start + timedelta(days=settings.TRIAL_DAYS)
    return {
        "tier": "trial",
        "name": "Trial",  # cached for every reader: pages translate it (templatetags offer_name)
        "status": Subscription.Status.ACTIVE if end > timezone.now() else Subscription.Status.EXPIRED,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "daily_limit": settings.TRIAL_DAILY_REQUESTS,
        "paid": False,
        "credits_bought": credits_bought,
        "entry_plan_daily_limit": entry_plan_daily_limit,
        "service_end": end.isoformat(),
    }


def subscription_service_end(subscription: Subscription) -> datetime:
    """Until when a subscription serves its plan: its period end; for a paid plan that is not
    canceled, its grace period's end (past due, or about to be once the beat runs)."""
    if subscription.status == Subscription.Status.PAST_DUE and subscription.grace_ends_at:
        return subscription.grace_ends_at
    if subscription.status == Subscription.Status.ACTIVE and subscription.plan.is_paid:
        return subscription.current_period_end + timedelta(days=settings.BILLING_GRACE_DAYS)
    return subscription.current_period_end


def subscription_current_for_update(*, organization_id) -> Subscription | None:
    """Inside a transaction: the organization's current subscription (active, past due, or
    canceled but running), row-locked."""
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan")
        .filter(organization_id=organization_id, status__in=CURRENT_STATUSES)
        .exclude(status=Subscription.Status.CANCELED, current_period_end__lte=timezone.now())
        .order_by("-current_period_end")
        .first()
    )


def subscription_current_get(*, organization: Organization) -> Subscription | None:
    now = timezone.now()
    return (
        Subscription.objects.select_related("plan", "next_plan")
        .filter(organization_id=organization.pk, status__in=CURRENT_STATUSES)
        .exclude(status=Subscription.Status.CANCELED, current_period_end__lte=now)
        .order_by("-current_period_end")
        .first()
    )


def subscription_tier_lookup(organization: Organization) -> Tier | None:
    """Registered with credits.hooks: a current paid subscription's tier; for an organization
    that bought credits (a pack, or a plan that has lapsed) but has no current plan, the
    `credits` tier; otherwise None (the ledger's default, the trial tier, which is not paid)."""
    state = subscription_state_get(organization=organization)
    if state.is_paid_and_current:
        return Tier(code=state.tier, daily_limit=state.daily_limit, paid=True)
    if state.credits_bought:
        return Tier(code="credits", daily_limit=state.requests_per_day, paid=True)
    return None


def subscription_credits_bought(organization: Organization) -> bool:
    """Registered with credits.hooks as a paid-plan check: an organization that paid for credits
    (a pack, or a plan, even one that has lapsed since) is past the trial's generation limit
    (DESIGN: the limit binds organizations "without a purchase"), as the trial-limit message
    ("buy credits to keep creating") promises. Its daily request limit is the entry plan's
    (subscription_tier_lookup)."""
    return subscription_state_get(organization=organization).credits_bought


def plan_list_for_sale() -> QuerySet[Plan]:
    return Plan.objects.filter(is_active=True, is_paid=True).order_by("sort_order", "price_idr")


def pack_list_for_sale() -> QuerySet[CreditPack]:
    return CreditPack.objects.filter(is_active=True).order_by("sort_order", "price_idr")


def order_list_for_organization(*, organization: Organization) -> QuerySet[Order]:
    return Order.objects.filter(organization_id=organization.pk).select_related("plan", "pack").order_by("-created_at")


def order_get_for_organization(*, organization: Organization, order_id: str) -> Order:
    """The organization's order; NotFound for any other organization's, or none at all."""
    order_id = str(order_id)[:50]
    orders = order_list_for_organization(organization=organization)
    # No order id holds an unprintable character (PostgreSQL would refuse a NUL): not found, not a 500.
    order = orders.filter(order_id=order_id).first() if order_id.isprintable() else None
    if order is None:
        raise NotFound(_("Order not found."))
    return order


def invoice_list_for_organization(*, organization: Organization) -> QuerySet[Invoice]:
    return Invoice.objects.filter(organization_id=organization.pk).select_related("order").order_by("-issued_at")


def invoice_get_for_organization(*, organization: Organization, order_id: str) -> Invoice:
    """The invoice of the organization's order; NotFound for any other organization's."""
    order = order_get_for_organization(organization=organization, order_id=order_id)
    invoice = Invoice.objects.select_related("order").filter(order=order).first()
    if invoice is None:
        raise NotFound(_("This order has no invoice (it is not paid)."))
    return invoice


def order_pending_get_for_organization(*, organization: Organization, order_id: str) -> Order:
    order = order_get_for_organization(organization=organization, order_id=order_id)
    if order.status != Order.Status.PENDING or not order.redirect_url:
        raise NotFound(_("This order is not waiting for payment."), code="NOT_PENDING")
    return order


def renewal_order_live_get(*, organization: Organization) -> Order | None:
    """The pending renewal order of the organization's current period, if one was issued."""
    subscription = subscription_current_get(organization=organization)
    if subscription is None:
        return None
    return Order.objects.filter(
        subscription=subscription,
        purpose=Order.Purpose.RENEWAL,
        renews_period_end=subscription.current_period_end,
        status=Order.Status.PENDING,
    ).first()


def usage_period_start(*, organization: Organization) -> datetime:
    """The start of "this period" for usage per member: the current subscription's period, or
    the last 30 days without one."""
    subscription = subscription_current_get(organization=organization)
    if subscription is not None and subscription.current_period_start <= timezone.now():
        return subscription.current_period_start
    return timezone.now() - timedelta(days=30)


def card_check_latest(*, organization) -> CardCheck | None:
    """The newest Midtrans card check still worth telling the owner about on /billing/: waiting
    for the bank, or failed (its `why` says why) while renewal is still manual."""
    check = CardCheck.objects.filter(organization=organization).first()
    if check is None or check.status == CardCheck.Status.SAVED:
        return None
    if check.status == CardCheck.Status.EXPIRED:
        check.why = _("Midtrans did not confirm the check in time")
    elif check.status == CardCheck.Status.FAILED:
        status = check.reason.split("/")
        if "expire" in status:
            check.why = _("the bank's check was not finished in time")
        elif "deny" in status:
            check.why = _("the bank or Midtrans declined the card")
        elif "cancel" in status or "failure" in status:
            check.why = _("the payment was canceled or failed")
        elif check.reason in ("refused", "subscription_refused", "no_saved_token"):
            check.why = _("Midtrans would not save this card for automatic payments")
        elif check.reason == "plan_changed":
            check.why = _("the plan changed during the check")
        else:
            check.why = _("Midtrans did not answer")
    return check


def gopay_link_latest(*, organization) -> GopayLink | None:
    """The newest GoPay linking still worth telling the owner about on /billing/: waiting for
    GoPay, or not linked (its `why` says why)."""
    link = GopayLink.objects.filter(organization=organization).first()
    if link is None or link.status == GopayLink.Status.LINKED:
        return None
    if link.status in GopayLink.UNBIND_STATES and not link.reason:
        return None  # it was used, then auto-renewal turned off: nothing to tell
    # Not linked (an account linked but not used is unbound too: its reason says why not).
    if link.status == GopayLink.Status.EXPIRED or link.reason == "no_confirmation":
        link.why = _("the linking was not finished in GoPay in time")
    elif link.reason == "DISABLED":
        link.why = _("the GoPay account was unlinked")
    elif link.reason == "plan_changed":
        link.why = _("the plan changed during the linking")
    elif link.status != GopayLink.Status.PENDING:
        link.why = _("Midtrans would not use this GoPay account for automatic payments")
    return link
