from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from accounts.api.base import ORGANIZATION_HEADER, OrganizationAPIView

from ..models import CreditTransaction
from ..selectors import credits_summary_get, credits_transaction_list, trial_summary_get
from .serializers import (
    CreditBalanceSerializer,
    CreditTransactionFilterSerializer,
    CreditTransactionPageSerializer,
    CreditTransactionSerializer,
)


class LedgerPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class CreditBalanceView(OrganizationAPIView):
    @extend_schema(
        operation_id="credits_balance_retrieve",
        summary="The organization's credits and the caller's trial",
        parameters=[ORGANIZATION_HEADER],
        responses=CreditBalanceSerializer,
    )
    def get(self, request):
        credits = credits_summary_get(organization=self.organization)
        trial = trial_summary_get(user=request.user, organization=self.organization)
        data = {
            "balance": credits.balance,
            "bonus_balance": credits.bonus_balance,
            "total": credits.total,
            "trial": trial,
        }
        return Response(CreditBalanceSerializer(data).data)


class CreditTransactionListView(OrganizationAPIView):
    pagination_class = LedgerPagination

    @extend_schema(
        operation_id="credits_transactions_list",
        summary="The organization's credit ledger, newest first",
        parameters=[
            ORGANIZATION_HEADER,
            OpenApiParameter("type", OpenApiTypes.STR, enum=CreditTransaction.Type.values, required=False),
            OpenApiParameter("from", OpenApiTypes.DATE, required=False, description="First day, included."),
            OpenApiParameter("to", OpenApiTypes.DATE, required=False, description="Last day, included."),
            OpenApiParameter("page", OpenApiTypes.INT, required=False),
            OpenApiParameter("page_size", OpenApiTypes.INT, required=False, description="At most 100."),
        ],
        responses=CreditTransactionPageSerializer,
    )
    def get(self, request):
        filters = CreditTransactionFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        transactions = credits_transaction_list(
            organization=self.organization,
            type=filters.validated_data.get("type"),
            date_from=filters.validated_data.get("from"),
            date_to=filters.validated_data.get("to"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(transactions, request, view=self)
        return paginator.get_paginated_response(CreditTransactionSerializer(page, many=True).data)
