"""GET /api/organizations/{id}/usage: credits used per member this period (owners only)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import membership_get
from credits.selectors import credits_used_by_member

from ..selectors import usage_period_start
from ..services.checkout import billing_manager_require

_USAGE = inline_serializer(
    "OrganizationUsage",
    {
        "since": serializers.DateTimeField(),
        "members": inline_serializer(
            "MemberUsage",
            {
                "user_id": serializers.UUIDField(),
                "email": serializers.CharField(),
                "name": serializers.CharField(),
                "used": serializers.IntegerField(),
            },
            many=True,
        ),
    },
)


class OrganizationUsageView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="organization_usage", summary="Credits used per member this period (owners)", responses=_USAGE
    )
    def get(self, request, organization_id):
        membership = membership_get(user=request.user, organization_id=organization_id)
        billing_manager_require(membership)
        since = usage_period_start(organization=membership.organization)
        members = credits_used_by_member(organization=membership.organization, since=since)
        return Response(
            {"since": since.isoformat(), "members": [{**row, "user_id": str(row["user_id"])} for row in members]}
        )
