from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from .. import services
from ..me import me_sections
from ..selectors import invitation_list_pending, membership_list_for_organization, membership_list_for_user
from .base import ORGANIZATION_HEADER, OrganizationAPIView
from .serializers import (
    InvitationCreateSerializer,
    InvitationSerializer,
    MemberSerializer,
    MeSerializer,
    OrganizationSerializer,
    OrganizationUpdateSerializer,
    me_representation,
)


class MeView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=MeSerializer)
    def get(self, request):
        body = me_representation(
            user=request.user,
            membership=self.membership,
            memberships=membership_list_for_user(user=request.user),
            sections=me_sections(self.membership),
        )
        return Response(body)


class CurrentOrganizationView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=OrganizationSerializer)
    def get(self, request):
        return Response(OrganizationSerializer(self.membership).data)

    @extend_schema(
        parameters=[ORGANIZATION_HEADER], request=OrganizationUpdateSerializer, responses=OrganizationSerializer
    )
    def patch(self, request):
        serializer = OrganizationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.organization_rename(membership=self.membership, name=serializer.validated_data["name"])
        return Response(OrganizationSerializer(self.membership).data)


class MemberListView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=MemberSerializer(many=True))
    def get(self, request):
        members = membership_list_for_organization(organization_id=self.organization.id)
        return Response(MemberSerializer(members, many=True).data)


class InvitationListView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=InvitationSerializer(many=True))
    def get(self, request):
        invitations = invitation_list_pending(organization_id=self.organization.id)
        return Response(InvitationSerializer(invitations, many=True).data)

    @extend_schema(
        parameters=[ORGANIZATION_HEADER], request=InvitationCreateSerializer, responses={201: InvitationSerializer}
    )
    def post(self, request):
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(membership=self.membership, **serializer.validated_data)
        return Response(InvitationSerializer(invitation).data, status=201)


class InvitationDetailView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], responses={204: None})
    def delete(self, request, invitation_id):
        services.invitation_revoke(membership=self.membership, invitation_id=invitation_id)
        return Response(status=204)


class InvitationAcceptView(OrganizationAPIView):
    @extend_schema(request=None, responses={201: OrganizationSerializer})
    def post(self, request, token: str):
        membership = services.invitation_accept(token=token, user=request.user)
        return Response(OrganizationSerializer(membership).data, status=201)
