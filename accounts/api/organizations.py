"""/api/organizations/...: create a team, its members (role, remove), leave, transfer the
ownership, invitations and billing details. The organization is named in the URL; one the
caller does not belong to answers 404."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.validation import StrictRequestSerializer

from .. import services
from ..selectors import membership_get, membership_list_for_organization, membership_list_for_user
from .serializers import InvitationCreateSerializer, InvitationSerializer, MemberSerializer, OrganizationSerializer

_BILLING_DETAILS = inline_serializer(
    "OrganizationBillingDetails",
    {"tax_id": serializers.CharField(allow_blank=True), "billing_address": serializers.CharField(allow_blank=True)},
)


class OrganizationCreateRequestSerializer(StrictRequestSerializer):
    name = serializers.CharField(max_length=120)


class MemberRoleRequestSerializer(StrictRequestSerializer):
    role = serializers.CharField()


class OwnershipTransferRequestSerializer(StrictRequestSerializer):
    user_id = serializers.UUIDField()


class BillingDetailsRequestSerializer(StrictRequestSerializer):
    tax_id = serializers.CharField(allow_blank=True, required=False)
    billing_address = serializers.CharField(allow_blank=True, required=False)


def _body(request, serializer_class) -> dict:
    """The body, as strictly checked as every MODO request body (core.validation)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class OrganizationScopedView(APIView):
    """`self.membership`: the caller's membership of the organization in the URL (404 if none)."""

    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.membership = membership_get(user=request.user, organization_id=kwargs.get("organization_id"))


class OrganizationListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="organizations_list", responses=OrganizationSerializer(many=True))
    def get(self, request):
        return Response(OrganizationSerializer(membership_list_for_user(user=request.user), many=True).data)

    @extend_schema(
        operation_id="organizations_create",
        summary="Create a team organization; the caller is its owner",
        request=OrganizationCreateRequestSerializer,
        responses={201: OrganizationSerializer},
    )
    def post(self, request):
        organization = services.organization_create_team(
            owner=request.user, name=_body(request, OrganizationCreateRequestSerializer)["name"]
        )
        membership = membership_get(user=request.user, organization_id=organization.pk)
        return Response(OrganizationSerializer(membership).data, status=201)


class OrganizationMemberListView(OrganizationScopedView):
    @extend_schema(operation_id="organizations_members_list", responses=MemberSerializer(many=True))
    def get(self, request, organization_id):
        members = membership_list_for_organization(organization_id=self.membership.organization_id)
        return Response(MemberSerializer(members, many=True).data)


class OrganizationMemberView(OrganizationScopedView):
    @extend_schema(
        operation_id="organization_member_role",
        summary="Change a member's role (owners; admins for admins and members)",
        request=MemberRoleRequestSerializer,
        responses=MemberSerializer,
    )
    def patch(self, request, organization_id, user_id):
        member = services.membership_role_change(
            membership=self.membership, user_id=user_id, role=_body(request, MemberRoleRequestSerializer)["role"]
        )
        return Response(MemberSerializer(member).data)

    @extend_schema(operation_id="organization_member_remove", summary="Remove a member", responses={204: None})
    def delete(self, request, organization_id, user_id):
        services.membership_remove(membership=self.membership, user_id=user_id)
        return Response(status=204)


class OrganizationLeaveView(OrganizationScopedView):
    @extend_schema(operation_id="organization_leave", request=None, responses={204: None})
    def post(self, request, organization_id):
        services.membership_leave(membership=self.membership)
        return Response(status=204)


class OwnershipTransferView(OrganizationScopedView):
    @extend_schema(
        operation_id="organization_transfer_ownership",
        summary="Make a member an owner; the caller becomes an admin (owners)",
        request=OwnershipTransferRequestSerializer,
        responses=MemberSerializer,
    )
    def post(self, request, organization_id):
        member = services.ownership_transfer(
            membership=self.membership, user_id=_body(request, OwnershipTransferRequestSerializer)["user_id"]
        )
        return Response(MemberSerializer(member).data)


class OrganizationInvitationView(OrganizationScopedView):
    @extend_schema(
        operation_id="organization_invite", request=InvitationCreateSerializer, responses={201: InvitationSerializer}
    )
    def post(self, request, organization_id):
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(membership=self.membership, **serializer.validated_data)
        return Response(InvitationSerializer(invitation).data, status=201)


class OrganizationBillingDetailsView(OrganizationScopedView):
    @extend_schema(operation_id="organization_billing_details", responses=_BILLING_DETAILS)
    def get(self, request, organization_id):
        organization = self.membership.organization
        return Response({"tax_id": organization.tax_id, "billing_address": organization.billing_address})

    @extend_schema(
        operation_id="organization_billing_details_update",
        summary="Tax id (NPWP) and address printed on invoices (owners)",
        request=BillingDetailsRequestSerializer,
        responses=_BILLING_DETAILS,
    )
    def patch(self, request, organization_id):
        body = _body(request, BillingDetailsRequestSerializer)
        organization = self.membership.organization
        services.organization_billing_update(
            membership=self.membership,
            tax_id=body.get("tax_id", organization.tax_id),
            billing_address=body.get("billing_address", organization.billing_address),
        )
        return Response({"tax_id": organization.tax_id, "billing_address": organization.billing_address})
