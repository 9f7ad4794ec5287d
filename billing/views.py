"""Pages: /billing/ (plan, credits, plans and packs, orders, ledger) and the dev gateway's
checkout page. Both work without JavaScript."""

import functools
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.adapters import AFTER_SIGNUP_URL
from accounts.models import Membership
from core.errors import ApplicationError
from credits.selectors import credits_summary_get, credits_transaction_list

from .auto_renewal_views import auto_renewal_gateways
from .gateways import gateways_enabled
from .gateways.dev import dev_notification_body
from .models import Order
from .selectors import (
    card_check_latest,
    gopay_link_latest,
    order_get_for_organization,
    order_list_for_organization,
    pack_list_for_sale,
    plan_list_for_sale,
    renewal_order_live_get,
    subscription_current_get,
    subscription_state_get,
)
from .services.checkout import order_checkout
from .webhooks.midtrans import midtrans_notification_receive
from .webhooks.receipt import delivery_source

PLAN_CODE = re.compile(r"[-a-z0-9_]{1,30}")


def plan_remembered(view):
    """Wrap the signup and login pages: `?plan=<code>` of a plan for sale (the public page's
    "Choose <plan>") is remembered through signup, email confirmation and sign-in, which then
    end on that plan's checkout on /billing/."""

    @functools.wraps(view)
    def remembering(request: HttpRequest, *args, **kwargs):
        plan = _plan_for_sale(request.GET.get("plan", ""))
        if plan is not None:
            request.session[AFTER_SIGNUP_URL] = f"/billing/?{urlencode({'plan': plan.code})}#checkout"
        return view(request, *args, **kwargs)

    return remembering


def _plan_for_sale(code: str):
    """The plan for sale with that code; None for anything else (no query for what is no slug)."""
    if not PLAN_CODE.fullmatch(code):
        return None
    return plan_list_for_sale().filter(code=code).first()


def _billing_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    returned = None
    if request.GET.get("order"):
        try:
            returned = order_get_for_organization(organization=organization, order_id=request.GET["order"])
        except ApplicationError:
            returned = None
    context = {
        "subscription": subscription_state_get(organization=organization),
        "credits": credits_summary_get(organization=organization),
        "plans": plan_list_for_sale(),
        "packs": pack_list_for_sale(),
        "gateways": list(gateways_enabled().values()),
        "orders": order_list_for_organization(organization=organization)[:20],
        "ledger": credits_transaction_list(organization=organization)[:10],
        "can_manage": membership.role == Membership.Role.OWNER,  # only owners manage billing
        "returned_order": returned,
        "current_subscription": subscription_current_get(organization=organization),
        "renewal_order": renewal_order_live_get(organization=organization),
        "plan_change_only": _plan_change_only(organization),
        "dev_gateway": "dev" in gateways_enabled(),
        "auto_renewal_gateways": auto_renewal_gateways(),
        "card_check": card_check_latest(organization=organization),
        "gopay_link": gopay_link_latest(organization=organization),
        "chosen_plan": _plan_for_sale(request.GET.get("plan", "")),
    }
    return render(request, "billing/billing.html", context, status=status)


def _plan_change_only(organization) -> bool:
    """A paid plan runs: other plans are changed to (prorated), not bought again."""
    current = subscription_current_get(organization=organization)
    return bool(current and current.plan.is_paid and current.status in ("active", "canceled"))


@login_required
def billing_page(request: HttpRequest) -> HttpResponse:
    return _billing_page(request)


@login_required
@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    try:
        order = order_checkout(
            membership=request.membership,
            item=request.POST.get("item"),
            gateway=request.POST.get("gateway"),
            language=getattr(request, "LANGUAGE_CODE", "en"),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return _billing_page(request, status=error.status_code)
    return redirect(order.redirect_url)


@login_required
@require_http_methods(["GET", "POST"])
def dev_checkout(request: HttpRequest, order_id: str) -> HttpResponse:
    """The dev gateway's payment page: Pay and Fail send a signed Midtrans-format
    notification through the Midtrans webhook code."""
    if "dev" not in gateways_enabled():
        raise Http404
    try:
        order = order_get_for_organization(organization=request.membership.organization, order_id=order_id)
    except ApplicationError:
        raise Http404 from None
    if order.gateway != Order.Gateway.DEV:
        raise Http404
    status = 200
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        if request.membership.role != Membership.Role.OWNER:
            messages.error(request, _("Only owners of this organization can pay for it."))
            status = 403
        elif outcome not in ("pay", "fail"):
            messages.error(request, _("Choose Pay or Fail."))
            status = 400
        elif order.status != Order.Status.PENDING:
            messages.info(request, _("This order is no longer waiting for payment."))
            return redirect(f"/billing/?order={order.order_id}")
        else:
            answer = midtrans_notification_receive(
                body=dev_notification_body(order=order, outcome=outcome),
                headers={"content-type": "application/json", "user-agent": "modo-dev-gateway"},
                source=delivery_source(request),
            )
            if answer.status != 200:
                messages.error(request, answer.body.get("error", _("The payment could not be recorded.")))
            elif outcome == "pay":
                messages.success(request, _("Payment received. Thank you!"))
            else:
                messages.warning(request, _("The payment failed. Nothing was charged."))
            return redirect(f"/billing/?order={order.order_id}")
    return render(
        request,
        "billing/dev_checkout.html",
        {"order": order, "can_manage": request.membership.role == Membership.Role.OWNER},
        status=status,
    )
