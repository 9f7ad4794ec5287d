from django.urls import path

from . import views

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
]
