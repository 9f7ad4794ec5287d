"""Checkout: a pending order and the gateway's payment page for it.

The order is committed before the gateway is called (no transaction is held open over the
network); if the gateway fails the order is marked failed and GatewayUnavailable is raised.
"""

import logging
import secrets

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.errors import ApplicationError, Forbidden, ValidationFailed

from ..gateways import Gateway, GatewayError, gateways_enabled
from ..models import CreditPack, Order, Plan, Subscription
from ..selectors import subscription_current_get

logger = logging.getLogger(__name__)


class GatewayUnavailable(ApplicationError):
    status_code = 502
    code = "GATEWAY_UNAVAILABLE"


def billing_manager_require(membership: Membership) -> None:
    """Only owners manage billing (DESIGN 6): buy, renew, upgrade, cancel."""
    if membership.role != Membership.Role.OWNER:
        raise Forbidden(
            _("Only owners of %(organization)s can manage its billing. Ask an owner to do it.")
            % {"organization": membership.organization.name}
        )


def gateway_choose(gateway: object) -> Gateway:
    adapter = gateways_enabled().get(gateway) if isinstance(gateway, str) else None
    if adapter is None:
        choices = ", ".join(gateways_enabled()) or _("none")
        raise ValidationFailed(
            _("Unknown or unavailable payment gateway."),
            fields={"gateway": [_("Choose one of: %(choices)s.") % {"choices": choices}]},
        )
    return adapter


def order_checkout(*, membership: Membership, item: object, gateway: object, language: str = "en") -> Order:
    """A pending order for `item` ("plan:<code>" | "pack:<code>") and the gateway's checkout."""
    billing_manager_require(membership)
    plan, pack = _item_parse(item)
    adapter = gateway_choose(gateway)
    if plan is not None:
        _plan_purchase_allowed(membership, plan)
    offer = plan or pack
    order = Order.objects.create(
        order_id=order_id_new(),
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
    return order_payment_open(order=order, adapter=adapter, payer=membership.user)


def _plan_purchase_allowed(membership: Membership, plan: Plan) -> None:
    """Another plan while a paid one runs is a plan change (prorated upgrade, or a downgrade at
    the period end), never a second full-price purchase that would throw the paid days away."""
    current = subscription_current_get(organization=membership.organization)
    if (
        current is not None
        and current.plan.is_paid
        and current.plan_id != plan.pk
        and current.status != Subscription.Status.PAST_DUE
        and current.current_period_end > timezone.now()
    ):
        raise ValidationFailed(
            _(
                "You are on the %(plan)s plan: change plan instead "
                "(upgrades are prorated, downgrades wait for the period end)."
            )
            % {"plan": current.plan.name},
            code="PLAN_CHANGE_REQUIRED",
            fields={"item": [_("Use the plan change (preview, then confirm).")]},
            change_url="/billing/change-plan/?plan=" + plan.code,
        )


def order_payment_open(*, order: Order, adapter: Gateway, payer) -> Order:
    """Ask the gateway for the order's payment page; the order fails if the gateway cannot."""
    finish_url = f"{settings.SITE_URL.rstrip('/')}/billing/?order={order.order_id}"
    try:
        session = adapter.create_checkout(
            order=order,
            payer_email=payer.email if payer else "",
            payer_name=payer.name if payer else order.organization.name,
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


def order_id_new() -> str:
    # Opaque, unique, and within Midtrans' 50 characters of [A-Za-z0-9-_~.].
    return f"MODO-{timezone.now():%Y%m%d}-{secrets.token_hex(8).upper()}"
