from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("invitations/<str:token>/", views.invitation_page, name="invitation"),
    path("organizations/switch/", views.organization_switch, name="organization-switch"),
]
