from django.urls import path

from . import organizations, views

urlpatterns = [
    path("me", views.MeView.as_view(), name="api-me"),
    path("organization", views.CurrentOrganizationView.as_view(), name="api-organization"),
    path("organization/members", views.MemberListView.as_view(), name="api-organization-members"),
    path("organization/invitations", views.InvitationListView.as_view(), name="api-invitations"),
    path(
        "organization/invitations/<uuid:invitation_id>",
        views.InvitationDetailView.as_view(),
        name="api-invitation-detail",
    ),
    path("invitations/<str:token>/accept", views.InvitationAcceptView.as_view(), name="api-invitation-accept"),
    path("organizations", organizations.OrganizationListView.as_view(), name="api-organizations"),
    path(
        "organizations/<str:organization_id>/members",
        organizations.OrganizationMemberListView.as_view(),
        name="api-organization-member-list",
    ),
    path(
        "organizations/<str:organization_id>/members/<str:user_id>",
        organizations.OrganizationMemberView.as_view(),
        name="api-organization-member",
    ),
    path(
        "organizations/<str:organization_id>/leave",
        organizations.OrganizationLeaveView.as_view(),
        name="api-organization-leave",
    ),
    path(
        "organizations/<str:organization_id>/transfer-ownership",
        organizations.OwnershipTransferView.as_view(),
        name="api-organization-transfer",
    ),
    path(
        "organizations/<str:organization_id>/invitations",
        organizations.OrganizationInvitationView.as_view(),
        name="api-organization-invitations",
    ),
    path(
        "organizations/<str:organization_id>/billing-details",
        organizations.OrganizationBillingDetailsView.as_view(),
        name="api-organization-billing-details",
    ),
]
