from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts.api.base import ORGANIZATION_HEADER, OrganizationAPIView
from core.openapi import error_responses

from ..selectors import order_get_for_organization, pack_list_for_sale, plan_list_for_sale
from ..services.checkout import order_checkout
from .serializers import (
    CatalogueSerializer,
    CheckoutRequestSerializer,
    CheckoutResponseSerializer,
    OrderSerializer,
)


class PlanListView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_plans_list",
        summary="Plans and credit packs on sale, prices in IDR",
        parameters=[ORGANIZATION_HEADER],
        responses=CatalogueSerializer,
    )
    def get(self, request):
        data = {"plans": list(plan_list_for_sale()), "packs": list(pack_list_for_sale())}
        return Response(CatalogueSerializer(data).data)


class CheckoutView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_checkout",
        summary="Start a checkout: an order and the gateway's payment page (owners and admins)",
        parameters=[ORGANIZATION_HEADER],
        request=CheckoutRequestSerializer,
        responses={
            201: CheckoutResponseSerializer,
            **error_responses(
                e403="FORBIDDEN: only owners and admins buy for an organization.",
                e502="GATEWAY_UNAVAILABLE: the payment gateway did not answer; try again.",
            ),
        },
    )
    def post(self, request):
        serializer = CheckoutRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        body = serializer.validated_data
        order = order_checkout(
            membership=self.membership,
            item=body.get("item"),
            gateway=body.get("gateway"),
            language=getattr(request, "LANGUAGE_CODE", "en"),
        )
        return Response({"order_id": order.order_id, "redirect_url": order.redirect_url}, status=201)


class OrderDetailView(OrganizationAPIView):
    @extend_schema(
        operation_id="billing_order_retrieve",
        summary="One order of the organization",
        parameters=[ORGANIZATION_HEADER],
        responses=OrderSerializer,
    )
    def get(self, request, order_id: str):
        order = order_get_for_organization(organization=self.organization, order_id=order_id)
        data = {
            "order_id": order.order_id,
            "item": order.item,
            "amount": order.amount,
            "gateway": order.gateway,
            "status": order.status,
            "created_at": order.created_at,
            "paid_at": order.paid_at,
        }
        return Response(OrderSerializer(data).data)
