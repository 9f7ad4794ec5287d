from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.api.base import ORGANIZATION_HEADER, OrganizationAPIView

from .. import selectors, services
from .serializers import (
    AssetSerializer,
    BeatReorderSerializer,
    BeatSerializer,
    BeatUpdateSerializer,
    ProjectSerializer,
    ProjectWriteSerializer,
    PublicContentSerializer,
)


def _page(view, request, queryset, serializer_class):
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class ProjectListView(OrganizationAPIView):
    pagination_class = PageNumberPagination  # also tells the schema the list is paginated

    @extend_schema(
        parameters=[ORGANIZATION_HEADER, OpenApiParameter("search", str, description="Words of the title")],
        responses=ProjectSerializer(many=True),
    )
    def get(self, request):
        projects = selectors.project_list_for_member(
            organization=self.organization, search=request.query_params.get("search", "")
        )
        return _page(self, request, projects, ProjectSerializer)

    @extend_schema(parameters=[ORGANIZATION_HEADER], request=ProjectWriteSerializer, responses={201: ProjectSerializer})
    def post(self, request):
        serializer = ProjectWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.project_create(membership=self.membership, **serializer.validated_data)
        return Response(ProjectSerializer(project).data, status=201)


class ProjectDetailView(OrganizationAPIView):
    def _project(self, project_id):
        return selectors.project_get_for_member(organization=self.organization, project_id=project_id)

    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=ProjectSerializer)
    def get(self, request, project_id):
        return Response(ProjectSerializer(self._project(project_id)).data)

    @extend_schema(parameters=[ORGANIZATION_HEADER], request=ProjectWriteSerializer, responses=ProjectSerializer)
    def patch(self, request, project_id):
        project = self._project(project_id)
        serializer = ProjectWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.project_update(project=project, **serializer.validated_data)
        return Response(ProjectSerializer(project).data)

    @extend_schema(parameters=[ORGANIZATION_HEADER], responses={204: None})
    def delete(self, request, project_id):
        services.project_soft_delete(project=self._project(project_id))
        return Response(status=204)


class BeatListView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=BeatSerializer(many=True))
    def get(self, request, project_id):
        project = selectors.project_get_for_member(organization=self.organization, project_id=project_id)
        return Response(BeatSerializer(selectors.beat_list_for_project(project=project), many=True).data)


class BeatReorderView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], request=BeatReorderSerializer, responses=BeatSerializer(many=True))
    def post(self, request, project_id):
        project = selectors.project_get_for_member(organization=self.organization, project_id=project_id)
        serializer = BeatReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        beats = services.beats_reorder(project=project, beat_ids=serializer.validated_data["beat_ids"])
        return Response(BeatSerializer(beats, many=True).data)


class BeatDetailView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], request=BeatUpdateSerializer, responses=BeatSerializer)
    def patch(self, request, beat_id):
        beat = selectors.beat_get_for_member(organization=self.organization, beat_id=beat_id)
        serializer = BeatUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(BeatSerializer(services.beat_update(beat=beat, **serializer.validated_data)).data)


class AssetListView(OrganizationAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=AssetSerializer(many=True))
    def get(self, request, project_id):
        project = selectors.project_get_for_member(organization=self.organization, project_id=project_id)
        return _page(self, request, selectors.asset_list_for_project(project=project), AssetSerializer)


class AssetPublishView(OrganizationAPIView):
    publish = True

    @extend_schema(parameters=[ORGANIZATION_HEADER], request=None, responses=AssetSerializer)
    def post(self, request, asset_id):
        asset = selectors.asset_get_for_member(organization=self.organization, asset_id=asset_id)
        change = services.asset_publish if self.publish else services.asset_unpublish
        return Response(AssetSerializer(change(asset=asset)).data)


class AssetUnpublishView(AssetPublishView):
    publish = False


class PublicContentListView(ListAPIView):
    """Published images and videos of every organization: the public gallery's feed."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = PublicContentSerializer

    def get_queryset(self):
        return selectors.published_content_list()
