"""Auto-renewal through a gateway's recurring API (Midtrans Subscriptions API, Xendit
recurring plans, the dev gateway): on with a payment token or through the gateway's own
linking page, off, and each charge the gateway reports, which becomes a paid renewal order of
its own, deduplicated on the gateway's charge id, so duplicates, replays and out-of-order
deliveries never extend twice."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.errors import NotFound, ValidationFailed

from ..gateways import GatewayError, recurring_get
from ..gateways.base import RecurringCharge
from ..gateways.midtrans_card import card_token_is_one_time
from ..models import Order, Subscription
from ..selectors import subscription_current_for_update, subscription_current_get
from .card_check import card_check_start
from .checkout import GatewayUnavailable, billing_manager_require, gateway_choose
from .fulfilment import StatusApplied, order_status_apply
from .gopay_link import gopay_account_of, gopay_link_mark_linked, gopay_link_owned
from .subscriptions import (
    renewal_orders_void,
    subscription_auto_renewal_off,
    subscription_auto_renewal_on,
    subscription_changed,
    subscription_for_auto_renewal,
)


def auto_renewal_start(*, membership: Membership, gateway: object, payment_token: object) -> str | None:
    """Turn auto-renewal on with a payment token: None when it is on at once; the bank's 3DS page
    when the token is Midtrans' one-time card token_id, which must first be saved by a card
    check (services.card_check) and turns renewal automatic when Midtrans confirms it."""
    if gateway == "midtrans" and isinstance(payment_token, str) and card_token_is_one_time(payment_token):
        return card_check_start(membership=membership, token_id=payment_token)
    auto_renewal_enable(membership=membership, gateway=gateway, payment_token=payment_token)
    return None


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
    gopay_account = gopay_account_of(payment_token) if adapter.code == "midtrans" else None
    if gopay_account is not None and not gopay_link_owned(
        organization_id=membership.organization_id, account_id=gopay_account
    ):  # only a GoPay account this organization linked (the page's "Link GoPay")
        raise ValidationFailed(
            _("This GoPay account was not linked by this organization."),
            fields={"payment_token": [_("Not a payment method the gateway accepts.")]},
        )
    subscription = subscription_for_auto_renewal(organization=membership.organization)
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
        subscription_auto_renewal_on(subscription, gateway=adapter.code, reference=reference)
        if gopay_account is not None:
            gopay_link_mark_linked(account_id=gopay_account, reference=reference)
    return subscription


def auto_renewal_link_start(*, membership: Membership, gateway: object, return_url: str) -> str:
    """Auto-renewal through the gateway's own page (Xendit's Linking UI): a recurring plan that
    waits for the customer to link a payment method there; the URL of that page. Renewal stays
    manual until the gateway says the plan is active (auto_renewal_plan_activated)."""
    billing_manager_require(membership)
    adapter = gateway_choose(gateway)
    recurring = recurring_get(adapter.code)
    if recurring is None or not recurring.links_on_its_page:
        raise ValidationFailed(
            _("This gateway cannot renew automatically."),
            fields={"gateway": [_("Choose a gateway that supports automatic renewal.")]},
        )
    subscription = subscription_for_auto_renewal(organization=membership.organization)
    if subscription.renewal_mode == Subscription.RenewalMode.AUTO:
        raise ValidationFailed(_("Automatic renewal is already on."), code="ALREADY_AUTO")
    try:
        reference, url = recurring.start_linking(
            subscription=subscription,
            plan=subscription.next_plan or subscription.plan,
            payer_email=membership.user.email,
            payer_name=membership.user.name,
            return_url=return_url,
        )
    except GatewayError as exc:
        raise GatewayUnavailable(_("The payment gateway is not answering. Please try again in a moment.")) from exc
    Subscription.objects.filter(pk=subscription.pk, renewal_mode=Subscription.RenewalMode.MANUAL).update(
        auto_renewal_gateway=adapter.code, auto_renewal_reference=reference[:100], updated_at=timezone.now()
    )
    return url


def auto_renewal_plan_activated(*, gateway: str, reference: str) -> bool:
    """The gateway says the customer linked a payment method: automatic renewal is on, if the
    plan is still this active subscription's and the gateway confirms it is active (a replay
    of an old "activated" after a stop changes nothing). False when it changed nothing."""
    subscription = Subscription.objects.filter(
        auto_renewal_gateway=gateway,
        auto_renewal_reference=reference,
        status=Subscription.Status.ACTIVE,
        renewal_mode=Subscription.RenewalMode.MANUAL,
    ).first()
    recurring = recurring_get(gateway)
    if subscription is None or recurring is None or not recurring.plan_active(reference=reference):
        return False
    changed = Subscription.objects.filter(
        pk=subscription.pk, auto_renewal_reference=reference, status=Subscription.Status.ACTIVE
    ).update(renewal_mode=Subscription.RenewalMode.AUTO, updated_at=timezone.now())
    subscription_changed(subscription.organization_id)
    return bool(changed)


def auto_renewal_disable(*, membership: Membership) -> Subscription:
    """Back to manual renewal: the gateway's recurring plan is switched off first (a failure:
    503, nothing changed), then a GoPay account it charged is unbound after commit."""
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
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.renewal_mode == Subscription.RenewalMode.AUTO:
            subscription_auto_renewal_off(subscription)
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
