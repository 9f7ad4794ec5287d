"""Pages for the subscription: cancel / resume, plan change with a preview, invoices and their
PDFs. Without JavaScript; owners only for the writes (the services say so)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, NotFound, ValidationFailed
from credits.selectors import credits_used_by_member

from .api.subscription import invoice_pdf_response
from .gateways import gateways_enabled
from .gateways.dev import dev_recurring_notification_body
from .selectors import (
    invoice_get_for_organization,
    invoice_list_for_organization,
    subscription_current_get,
    usage_period_start,
)
from .services.auto_renewal import auto_renewal_disable, auto_renewal_enable
from .services.checkout import billing_manager_require
from .services.proration import plan_change_preview, plan_downgrade, plan_upgrade
from .services.subscriptions import subscription_cancel, subscription_resume
from .webhooks.midtrans import midtrans_notification_receive
from .webhooks.receipt import delivery_source


def _billing_redirect(request: HttpRequest, action, success: str) -> HttpResponse:
    try:
        action(membership=request.membership)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("billing")


@login_required
@require_POST
def subscription_cancel_page(request: HttpRequest) -> HttpResponse:
    return _billing_redirect(
        request, subscription_cancel, _("Canceled: your plan runs to the end of the period, then ends.")
    )


@login_required
@require_POST
def subscription_resume_page(request: HttpRequest) -> HttpResponse:
    return _billing_redirect(request, subscription_resume, _("Resumed: your plan renews as before."))


@login_required
@require_http_methods(["GET", "POST"])
def plan_change_page(request: HttpRequest) -> HttpResponse:
    """GET previews the change (amount, credits, date); POST confirms it."""
    code = request.POST.get("plan") if request.method == "POST" else request.GET.get("plan")
    try:
        preview = plan_change_preview(membership=request.membership, plan_code=code)
        if request.method == "POST" and preview.kind == "upgrade":
            order = plan_upgrade(
                membership=request.membership,
                plan_code=code,
                gateway=request.POST.get("gateway"),
                language=getattr(request, "LANGUAGE_CODE", "en"),
            )
            return redirect(order.redirect_url)
        if request.method == "POST":
            plan_downgrade(membership=request.membership, plan_code=code)
            messages.success(request, _("Your plan changes at the end of the period."))
            return redirect("billing")
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("billing")
    return render(
        request, "billing/plan_change.html", {"preview": preview, "gateways": list(gateways_enabled().values())}
    )


@login_required
def invoices_page(request: HttpRequest) -> HttpResponse:
    invoices = invoice_list_for_organization(organization=request.membership.organization)[:200]
    return render(request, "billing/invoices.html", {"invoices": invoices})


@login_required
def invoice_pdf_page(request: HttpRequest, order_id: str) -> HttpResponse:
    try:
        invoice = invoice_get_for_organization(organization=request.membership.organization, order_id=order_id)
    except ApplicationError:
        raise Http404 from None
    return invoice_pdf_response(invoice, language=getattr(request, "LANGUAGE_CODE", "en"))


@login_required
def usage_page(request: HttpRequest) -> HttpResponse:
    """/settings/usage/: credits used per member this period, for owners."""
    membership = request.membership
    try:
        billing_manager_require(membership)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("settings")
    since = usage_period_start(organization=membership.organization)
    rows = credits_used_by_member(organization=membership.organization, since=since)
    return render(request, "billing/usage.html", {"rows": rows, "since": since}, status=200)


DEV_CARD = "dev-card"  # the dev gateway's saved "card": nothing is charged anywhere


@login_required
@require_POST
def dev_auto_renewal_page(request: HttpRequest) -> HttpResponse:
    """The dev gateway's auto-renewal: turn it on or off, or send what Midtrans' Subscriptions
    API would for the next charge (a signed SUBS- notification) through the webhook code."""
    if "dev" not in gateways_enabled():
        raise Http404
    outcome = request.POST.get("outcome")
    try:
        if outcome == "on":
            auto_renewal_enable(membership=request.membership, gateway="dev", payment_token=DEV_CARD)
        elif outcome == "off":
            auto_renewal_disable(membership=request.membership)
        elif outcome in ("pay", "fail"):
            billing_manager_require(request.membership)
            subscription = subscription_current_get(organization=request.membership.organization)
            if (
                subscription is None
                or subscription.renewal_mode != "auto"
                or subscription.auto_renewal_gateway != "dev"
            ):
                raise NotFound(_("Automatic renewal is not on."))
            body = dev_recurring_notification_body(
                subscription=subscription,
                outcome=outcome,
                unique=int(subscription.current_period_end.timestamp()),  # one charge per period
            )
            answer = midtrans_notification_receive(
                body=body, headers={"content-type": "application/json"}, source=delivery_source(request)
            )
            if answer.status != 200:
                raise ApplicationError(answer.body.get("error", _("The payment could not be recorded.")))
        else:
            raise ValidationFailed(_("Choose an action."))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done."))
    return redirect("billing")
