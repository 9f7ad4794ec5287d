"""Everything under /api/. The last two routes make unknown paths answer JSON, never HTML:
401 to an anonymous caller (as every private /api/ path does), 404 otherwise. allauth routes
its phone endpoints whether or not phone numbers are configured (they are not: the login is
the email), so those answer 404 before allauth's own routes are reached."""

from django.urls import include, path, re_path
from django.utils.translation import gettext
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from billing.api.usage import OrganizationUsageView
from core.errors import NotFound


class UnknownPrivatePath(APIView):
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound(gettext("Not found."))


class UnknownPublicPath(UnknownPrivatePath):
    permission_classes = [AllowAny]
    authentication_classes: list = []


# allauth headless' phone endpoints, for both clients: not a MODO feature.
UNCONFIGURED_AUTH_ROUTES = r"^auth/(browser|app)/v1/(account/phone|auth/phone/verify(/resend)?)/?$"

urlpatterns = [
    re_path(UNCONFIGURED_AUTH_ROUTES, UnknownPublicPath.as_view()),
    path("auth/", include("allauth.headless.urls")),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]), name="api-docs"
    ),
    path("organizations/<str:organization_id>/usage", OrganizationUsageView.as_view(), name="api-organization-usage"),
    path("", include("accounts.api.urls")),
    path("credits/", include("credits.api.urls")),
    path("ai/", include("aigen.api.urls")),
    path("billing/", include("billing.api.urls")),
    path("webhooks/", include("billing.webhooks.urls")),
    path("", include("studio.api.urls")),
    re_path(r"^(auth|public)/", UnknownPublicPath.as_view()),
    re_path(r"^", UnknownPrivatePath.as_view()),
]
