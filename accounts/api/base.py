from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.views import APIView

from ..current import membership_for_request
from ..models import Membership

ORGANIZATION_HEADER = OpenApiParameter(
    name="X-Organization",
    type=OpenApiTypes.UUID,
    location=OpenApiParameter.HEADER,
    required=False,
    description="The organization to act for; defaults to the caller's personal organization.",
)


class OrganizationAPIView(APIView):
    """An API view that acts for one organization of the signed-in caller.

    After authentication, `self.membership` is the caller's membership of the organization
    the `X-Organization` header names (or their default one). An organization the caller
    does not belong to answers 404.
    """

    membership: Membership

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.membership = membership_for_request(request, request.user)

    @property
    def organization(self):
        return self.membership.organization
