"""Reads for the studio. Every organization-scoped lookup answers 404 to outsiders."""

import uuid

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Organization
from core.errors import NotFound

from .models import Asset, Beat, Notification, Project, Story

# The current story rides along with every project read: `project.current_stories` (0 or 1).
_CURRENT_STORY = Prefetch("stories", queryset=Story.objects.filter(is_current=True), to_attr="current_stories")


def _uuid_or_404(value: object, message: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(message) from None


def project_list_for_member(*, organization: Organization, search: str = "") -> QuerySet[Project]:
    """The organization's projects, newest first; `search` matches titles.

    PostgreSQL: full-text search ('simple' config: titles mix English and Indonesian, so no
    stemming); SQLite (the embedded default): a plain case-insensitive substring filter.
    """
    projects = Project.objects.filter(organization=organization).prefetch_related(_CURRENT_STORY)
    search = search.replace("\x00", " ").strip()[:200]  # PostgreSQL refuses NUL in a query
    if not search:
        return projects
    if connection.vendor == "postgresql":
        query = SearchQuery(search, config="simple", search_type="websearch")
        return projects.annotate(search=SearchVector("title", config="simple")).filter(search=query)
    return projects.filter(title__icontains=search)


def project_get_for_member(*, organization: Organization, project_id: object) -> Project:
    project_uuid = _uuid_or_404(project_id, _("Project not found."))
    project = (
        Project.objects.filter(organization=organization, pk=project_uuid).prefetch_related(_CURRENT_STORY).first()
    )
    if project is None:
        raise NotFound(_("Project not found."))
    return project


def beat_list_for_project(*, project: Project) -> QuerySet[Beat]:
    return project.beats.select_related("image", "animation").order_by("order")


def beat_get_for_member(*, organization: Organization, beat_id: object) -> Beat:
    beat_pk = _uuid_or_404(beat_id, _("Beat not found."))
    beat = (
        Beat.objects.select_related("project")
        .filter(pk=beat_pk, project__organization=organization, project__deleted_at__isnull=True)
        .first()
    )
    if beat is None:
        raise NotFound(_("Beat not found."))
    return beat


def asset_get_for_member(*, organization: Organization, asset_id: object) -> Asset:
    asset_uuid = _uuid_or_404(asset_id, _("Asset not found."))
    asset = Asset.objects.filter(organization=organization, pk=asset_uuid, project__deleted_at__isnull=True).first()
    if asset is None:
        raise NotFound(_("Asset not found."))
    return asset


def asset_list_for_project(*, project: Project) -> QuerySet[Asset]:
    return Asset.objects.filter(project=project).select_related("beat")


def published_content_list() -> QuerySet[Asset]:
    """What /gallery/ and /api/public/contents show: published, alive, of alive projects."""
    return (
        Asset.objects.filter(status=Asset.Status.PUBLISHED, project__deleted_at__isnull=True)
        .select_related("project", "beat")
        .order_by("-published_at")
    )


def notification_list_for_user(*, user, organization: Organization, limit: int = 10) -> list[Notification]:
    return list(Notification.objects.filter(user=user, organization=organization)[:limit])


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
