"""The organization's subscription: state, renew, cancel / resume, plan changes with a
preview, auto-renewal; its invoices and their PDFs. Writes are for owners only."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.api.base import ORGANIZATION_HEADER, OrganizationAPIView
from core.validation import StrictRequestSerializer

from ..invoice_pdf import invoice_pdf_render
from ..selectors import (
    invoice_get_for_organization,
    invoice_list_for_organization,
    order_pending_get_for_organization,
    subscription_current_get,
)
from ..services.auto_renewal import auto_renewal_disable, auto_renewal_start
from ..services.checkout import billing_manager_require
from ..services.proration import plan_change_preview, plan_downgrade, plan_upgrade
from ..services.renewal import renewal_order_for_owner
from ..services.subscriptions import subscription_cancel, subscription_resume

_SUBSCRIPTION = inline_serializer(
    "BillingSubscription",
    {
        "tier": serializers.CharField(allow_null=True),
        "status": serializers.CharField(allow_null=True),
        "renewal_mode": serializers.CharField(allow_null=True),
        "current_period_start": serializers.DateTimeField(allow_null=True),
        "current_period_end": serializers.DateTimeField(allow_null=True),
        "grace_ends_at": serializers.DateTimeField(allow_null=True),
        "next_plan": serializers.CharField(allow_null=True),
    },
)
_CARD_CHECK = inline_serializer("BillingCardCheck", {"redirect_url": serializers.CharField()})
_ORDER = inline_serializer(
    "BillingPaymentLink",
    {
        "order_id": serializers.CharField(),
        "amount": serializers.IntegerField(),
        "redirect_url": serializers.CharField(),
    },
)
_PREVIEW = inline_serializer(
    "BillingPlanChangePreview",
    {
        "kind": serializers.CharField(help_text="upgrade | downgrade"),
        "plan": serializers.CharField(),
        "amount": serializers.IntegerField(help_text="IDR to pay now."),
        "credits": serializers.IntegerField(help_text="Credits granted now."),
        "days_left": serializers.IntegerField(),
        "days_in_period": serializers.IntegerField(),
        "effective_at": serializers.DateTimeField(),
        "period_end": serializers.DateTimeField(),
    },
)
_INVOICE = inline_serializer(
    "BillingInvoice",
    {
        "number": serializers.CharField(),
        "order_id": serializers.CharField(),
        "issued_at": serializers.DateTimeField(),
        "subtotal": serializers.IntegerField(),
        "ppn_rate": serializers.CharField(),
        "ppn": serializers.IntegerField(),
        "total": serializers.IntegerField(),
        "pdf_url": serializers.CharField(),
    },
)


class RenewRequestSerializer(StrictRequestSerializer):
    gateway = serializers.CharField(required=False)


class PlanChoiceRequestSerializer(StrictRequestSerializer):
    plan = serializers.CharField()


class UpgradeRequestSerializer(StrictRequestSerializer):
    plan = serializers.CharField()
    gateway = serializers.CharField()


class AutoRenewalRequestSerializer(StrictRequestSerializer):
    gateway = serializers.CharField()
    payment_token = serializers.CharField(help_text="Midtrans: card token or gopay:<account_id>; Xendit: cust-…/pm-…")


def _body(request, serializer_class) -> dict:
    """The body, as strictly checked as every MODO request body (core.validation)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def subscription_data(subscription) -> dict:
    if subscription is None:
        return dict.fromkeys(_SUBSCRIPTION.fields)
    return {
        "tier": subscription.plan.code,
        "status": subscription.status,
        "renewal_mode": subscription.renewal_mode,
        "current_period_start": subscription.current_period_start,
        "current_period_end": subscription.current_period_end,
        "grace_ends_at": subscription.grace_ends_at,
        "next_plan": subscription.next_plan.code if subscription.next_plan_id else None,
    }


def _subscription_answer(view) -> Response:
    subscription = subscription_current_get(organization=view.organization)
    return Response(_SUBSCRIPTION.__class__(subscription_data(subscription)).data)


def _order_answer(order, status: int = 201) -> Response:
    return Response(
        {"order_id": order.order_id, "amount": order.amount, "redirect_url": order.redirect_url}, status=status
    )


class SubscriptionView(OrganizationAPIView):
    @extend_schema(operation_id="billing_subscription", parameters=[ORGANIZATION_HEADER], responses=_SUBSCRIPTION)
    def get(self, request):
        return _subscription_answer(self)


class SubscriptionCancelView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_subscription_cancel",
        summary="Cancel at the period end (owners)",
        parameters=[ORGANIZATION_HEADER],
        request=None,
        responses=_SUBSCRIPTION,
    )
    def post(self, request):
        subscription_cancel(membership=self.membership)
        return _subscription_answer(self)


class SubscriptionResumeView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_subscription_resume",
        summary="Undo a cancel before the period ends (owners)",
        parameters=[ORGANIZATION_HEADER],
        request=None,
        responses=_SUBSCRIPTION,
    )
    def post(self, request):
        subscription_resume(membership=self.membership)
        return _subscription_answer(self)


class SubscriptionRenewView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_subscription_renew",
        summary="The renewal order of the current period, with its payment link (owners)",
        parameters=[ORGANIZATION_HEADER],
        request=RenewRequestSerializer,
        responses={201: _ORDER},
    )
    def post(self, request):
        order = renewal_order_for_owner(
            membership=self.membership, gateway=_body(request, RenewRequestSerializer).get("gateway")
        )
        return _order_answer(order)


class PlanChangePreviewView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_plan_change_preview",
        summary="What changing plan would cost, give and when (owners)",
        parameters=[ORGANIZATION_HEADER],
        request=PlanChoiceRequestSerializer,
        responses=_PREVIEW,
    )
    def post(self, request):
        preview = plan_change_preview(
            membership=self.membership, plan_code=_body(request, PlanChoiceRequestSerializer)["plan"]
        )
        return Response(
            {
                "kind": preview.kind,
                "plan": preview.plan.code,
                "amount": preview.amount,
                "credits": preview.credits,
                "days_left": preview.days_left,
                "days_in_period": preview.days_in_period,
                "effective_at": preview.effective_at.isoformat(),
                "period_end": preview.period_end.isoformat(),
            }
        )


class PlanUpgradeView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_plan_upgrade",
        summary="Upgrade now: a prorated order and its payment link (owners)",
        parameters=[ORGANIZATION_HEADER],
        request=UpgradeRequestSerializer,
        responses={201: _ORDER},
    )
    def post(self, request):
        body = _body(request, UpgradeRequestSerializer)
        order = plan_upgrade(
            membership=self.membership,
            plan_code=body.get("plan"),
            gateway=body.get("gateway"),
            language=getattr(request, "LANGUAGE_CODE", "en"),
        )
        return _order_answer(order)


class PlanDowngradeView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_plan_downgrade",
        summary="Downgrade at the period end (owners)",
        parameters=[ORGANIZATION_HEADER],
        request=PlanChoiceRequestSerializer,
        responses=_SUBSCRIPTION,
    )
    def post(self, request):
        plan_downgrade(membership=self.membership, plan_code=_body(request, PlanChoiceRequestSerializer)["plan"])
        return _subscription_answer(self)


class AutoRenewalView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_auto_renewal_enable",
        summary="Renew automatically through a gateway's recurring payments (owners)",
        parameters=[ORGANIZATION_HEADER],
        request=AutoRenewalRequestSerializer,
        responses={200: _SUBSCRIPTION, 202: _CARD_CHECK},
    )
    def post(self, request):
        body = _body(request, AutoRenewalRequestSerializer)
        check_page = auto_renewal_start(
            membership=self.membership, gateway=body.get("gateway"), payment_token=body.get("payment_token")
        )
        if check_page:  # Midtrans one-time card token: the card check's 3DS page comes first
            return Response({"redirect_url": check_page}, status=202)
        return _subscription_answer(self)

    @extend_schema(
        operation_id="billing_auto_renewal_disable",
        summary="Back to manual renewal (owners)",
        parameters=[ORGANIZATION_HEADER],
        responses=_SUBSCRIPTION,
    )
    def delete(self, request):
        auto_renewal_disable(membership=self.membership)
        return _subscription_answer(self)


class OrderPayView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_order_pay",
        summary="The payment link of a pending order of the organization (owners)",
        parameters=[ORGANIZATION_HEADER],
        request=None,
        responses=_ORDER,
    )
    def post(self, request, order_id: str):
        order = order_pending_get_for_organization(organization=self.organization, order_id=order_id)
        billing_manager_require(self.membership)
        return _order_answer(order, status=200)


def invoice_data(invoice) -> dict:
    return {
        "number": invoice.number,
        "order_id": invoice.order.order_id,
        "issued_at": invoice.issued_at,
        "subtotal": invoice.subtotal,
        "ppn_rate": f"{invoice.ppn_rate.normalize():f}",
        "ppn": invoice.ppn,
        "total": invoice.total,
        "pdf_url": f"/api/billing/orders/{invoice.order.order_id}/invoice.pdf",
    }


class InvoiceListView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_invoices_list", parameters=[ORGANIZATION_HEADER], responses=_INVOICE.__class__(many=True)
    )
    def get(self, request):
        invoices = invoice_list_for_organization(organization=self.organization)[:200]
        return Response([invoice_data(invoice) for invoice in invoices])


class InvoicePdfView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_invoice_pdf",
        parameters=[ORGANIZATION_HEADER],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, order_id: str):
        invoice = invoice_get_for_organization(organization=self.organization, order_id=order_id)
        return invoice_pdf_response(invoice, language=getattr(request, "LANGUAGE_CODE", "en"))


def invoice_pdf_response(invoice, *, language: str) -> HttpResponse:
    pdf = invoice_pdf_render(invoice=invoice, language="id" if language.startswith("id") else "en")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number.replace("/", "-")}.pdf"'
    return response
