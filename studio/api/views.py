from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.api.base import ORGANIZATION_HEADER, OrganizationAPIView
from core.openapi import error_responses

from .. import selectors, services
from ..film import film_build_begin
from ..tasks import project_film_build
from .serializers import (
    AssetSerializer,
    BeatChooseSerializer,
    BeatCreateSerializer,
    BeatReorderSerializer,
    BeatSerializer,
    BeatUpdateSerializer,
    BeatVariantsSerializer,
    FilmSerializer,
    ProjectSerializer,
    ProjectWriteSerializer,
    PublicContentSerializer,
    StoryVersionDetailSerializer,
    StoryVersionSerializer,
)

# Earlier story versions are read-only: a change to one of their beats changes nothing.
READ_ONLY_VERSION = error_responses(
    e409="VERSION_READ_ONLY: the beat belongs to an earlier story version, kept read-only; "
    "restore that version (POST /api/projects/{id}/versions/{n}/restore) to change it. `version` says which."
)


def _page(view, request, queryset, serializer_class):
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class ProjectListView(OrganizationAPIView):
    pagination_class = PageNumberPagination  # also tells the schema the list is paginated

    @extend_schema(
        parameters=[
            ORGANIZATION_HEADER,
            OpenApiParameter("search", str, description="Words of the title"),
            OpenApiParameter("deleted", int, enum=[0, 1], description="1: the projects deleted in the last 30 days"),
        ],
        responses=ProjectSerializer(many=True),
    )
    def get(self, request):
        if request.query_params.get("deleted") == "1":
            projects = selectors.project_list_deleted_for_member(organization=self.organization)
        else:
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


class ProjectRestoreView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], request=None, responses=ProjectSerializer)
    def post(self, request, project_id):
        project = selectors.project_get_deleted_for_member(organization=self.organization, project_id=project_id)
        services.project_restore(project=project)
        restored = selectors.project_get_for_member(organization=self.organization, project_id=project.id)
        return Response(ProjectSerializer(restored).data)


class StoryVersionListView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=StoryVersionSerializer(many=True))
    def get(self, request, project_id):
        project = selectors.project_get_for_member(
            organization=self.organization, project_id=project_id, with_story=False
        )
        versions = selectors.story_version_list_for_project(project=project)
        return Response(StoryVersionSerializer(versions, many=True).data)


def _version_detail(project, version) -> dict:
    story = selectors.story_version_get_for_project(project=project, version=version)
    beats = selectors.beat_list_for_story(story=story)
    return StoryVersionDetailSerializer(story, context={"beats": beats}).data


class StoryVersionDetailView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=StoryVersionDetailSerializer)
    def get(self, request, project_id, version):
        project = selectors.project_get_for_member(organization=self.organization, project_id=project_id)
        return Response(_version_detail(project, version))


class StoryVersionRestoreView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], request=None, responses=StoryVersionDetailSerializer)
    def post(self, request, project_id, version):
        project = selectors.project_get_for_member(organization=self.organization, project_id=project_id)
        story = services.story_version_restore(project=project, version=version)
        return Response(_version_detail(project, story.version))


class BeatListView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=BeatSerializer(many=True))
    def get(self, request, project_id):
        project = selectors.project_get_for_member(
            organization=self.organization, project_id=project_id, with_story=False
        )
        return Response(BeatSerializer(selectors.beat_list_for_project(project=project), many=True).data)

    @extend_schema(parameters=[ORGANIZATION_HEADER], request=BeatCreateSerializer, responses={201: BeatSerializer})
    def post(self, request, project_id):
        project = selectors.project_get_for_member(
            organization=self.organization, project_id=project_id, with_story=False
        )
        serializer = BeatCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        beat = services.beat_create(project=project, **serializer.validated_data)
        return Response(BeatSerializer(beat).data, status=201)


class BeatReorderView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], request=BeatReorderSerializer, responses=BeatSerializer(many=True))
    def post(self, request, project_id):
        project = selectors.project_get_for_member(
            organization=self.organization, project_id=project_id, with_story=False
        )
        serializer = BeatReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        beats = services.beats_reorder(project=project, beat_ids=serializer.validated_data["beat_ids"])
        return Response(BeatSerializer(beats, many=True).data)


class BeatDetailView(OrganizationAPIView):
    @extend_schema(
        parameters=[ORGANIZATION_HEADER],
        request=BeatUpdateSerializer,
        responses={200: BeatSerializer, **READ_ONLY_VERSION},
    )
    def patch(self, request, beat_id):
        beat = selectors.beat_get_for_member(organization=self.organization, beat_id=beat_id)
        serializer = BeatUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(BeatSerializer(services.beat_update(beat=beat, **serializer.validated_data)).data)

    @extend_schema(parameters=[ORGANIZATION_HEADER], responses={204: None, **READ_ONLY_VERSION})
    def delete(self, request, beat_id):
        """A soft delete: POST /api/beats/{id}/restore brings it back for 30 days."""
        services.beat_soft_delete(beat=selectors.beat_get_for_member(organization=self.organization, beat_id=beat_id))
        return Response(status=204)


class BeatRestoreView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], request=None, responses={200: BeatSerializer, **READ_ONLY_VERSION})
    def post(self, request, beat_id):
        beat = selectors.beat_get_deleted_for_member(organization=self.organization, beat_id=beat_id)
        return Response(BeatSerializer(services.beat_restore(beat=beat)).data)


def _variants(beat) -> dict:
    variants = selectors.beat_variants(beats=[beat])[beat.pk]
    return BeatVariantsSerializer(
        {
            "images": variants["image"],
            "videos": variants["video"],
            "chosen_image_id": beat.image_id,
            "chosen_video_id": beat.animation_id,
        }
    ).data


class BeatVariantListView(OrganizationAPIView):
    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=BeatVariantsSerializer)
    def get(self, request, beat_id):
        return Response(_variants(selectors.beat_get_for_member(organization=self.organization, beat_id=beat_id)))


class BeatVariantChooseView(OrganizationAPIView):
    @extend_schema(
        parameters=[ORGANIZATION_HEADER],
        request=BeatChooseSerializer,
        responses={200: BeatVariantsSerializer, **READ_ONLY_VERSION},
    )
    def post(self, request, beat_id):
        beat = selectors.beat_get_for_member(organization=self.organization, beat_id=beat_id)
        serializer = BeatChooseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asset = selectors.asset_get_for_member(
            organization=self.organization, asset_id=serializer.validated_data["asset_id"]
        )
        return Response(_variants(services.beat_variant_choose(beat=beat, asset=asset)))


class ProjectFilmView(OrganizationAPIView):
    """The project's film: its beats' chosen videos in order, its animatics, the joined MP4."""

    def _film(self, project) -> dict:
        return FilmSerializer(
            {
                "clips": selectors.film_clips_for_project(project=project),
                "animatics": selectors.animatic_list_for_project(project=project),
                "film": selectors.film_latest_for_project(project=project),
                "failed_at": project.film_failed_at,
            }
        ).data

    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=FilmSerializer)
    def get(self, request, project_id):
        project = selectors.project_get_for_member(organization=self.organization, project_id=project_id)
        return Response(self._film(project))

    @extend_schema(parameters=[ORGANIZATION_HEADER], request=None, responses={202: FilmSerializer})
    def post(self, request, project_id):
        """Join the clips into one MP4 on a worker; the film appears in GET when done."""
        project = selectors.project_get_for_member(organization=self.organization, project_id=project_id)
        film_build_begin(project=project)
        transaction.on_commit(lambda: project_film_build.delay(str(project.id)))
        return Response(self._film(project), status=202)


class AssetListView(OrganizationAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(parameters=[ORGANIZATION_HEADER], responses=AssetSerializer(many=True))
    def get(self, request, project_id):
        project = selectors.project_get_for_member(
            organization=self.organization, project_id=project_id, with_story=False
        )
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
