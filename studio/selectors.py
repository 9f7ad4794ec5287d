"""Reads for the studio. Every organization-scoped lookup answers 404 to outsiders."""

import re
import uuid

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from core.errors import NotFound

from .models import RESTORABLE_FOR, Asset, Beat, Notification, Project, Story

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


def project_get_for_member(*, organization: Organization, project_id: object, with_story: bool = True) -> Project:
    """The organization's project, with its current story (what a page or its serializer shows);
    `with_story=False`: the project alone, one query less (its beats, assets, a generation's target)."""
    project_uuid = _uuid_or_404(project_id, _("Project not found."))
    projects = Project.objects.filter(organization=organization)
    if with_story:
        projects = projects.prefetch_related(_CURRENT_STORY)
    try:
        return projects.get(pk=project_uuid)  # get(), not first(): no ORDER BY for a key read
    except Project.DoesNotExist:
        raise NotFound(_("Project not found.")) from None


def project_list_deleted_for_member(*, organization: Organization) -> QuerySet[Project]:
    """The "Deleted" list: the organization's projects deleted less than 30 days ago, newest first."""
    cutoff = timezone.now() - RESTORABLE_FOR
    return Project.all_objects.filter(organization=organization, deleted_at__gte=cutoff).order_by("-deleted_at")


def project_get_deleted_for_member(*, organization: Organization, project_id: object) -> Project:
    project_uuid = _uuid_or_404(project_id, _("Project not found."))
    project = project_list_deleted_for_member(organization=organization).filter(pk=project_uuid).first()
    if project is None:
        raise NotFound(_("No deleted project with this id can be restored."))
    return project


def beat_list_for_project(*, project: Project) -> QuerySet[Beat]:
    """The beats of the project's current story version, in order."""
    return (
        Beat.objects.filter(project=project, story__is_current=True)
        .select_related("image", "animation")
        .order_by("order")
    )


def beat_list_for_story(*, story: Story) -> QuerySet[Beat]:
    return story.beats.select_related("image", "animation").order_by("order")


def beat_list_deleted_for_project(*, project: Project) -> QuerySet[Beat]:
    cutoff = timezone.now() - RESTORABLE_FOR
    return Beat.all_objects.filter(project=project, story__is_current=True, deleted_at__gte=cutoff).order_by(
        "-deleted_at"
    )


def beat_get_deleted_for_member(*, organization: Organization, beat_id: object) -> Beat:
    beat_pk = _uuid_or_404(beat_id, _("Beat not found."))
    beat = (
        Beat.all_objects.filter(
            pk=beat_pk,
            project__organization=organization,
            project__deleted_at__isnull=True,
            deleted_at__gte=timezone.now() - RESTORABLE_FOR,
        )
        .select_related("project")
        .first()
    )
    if beat is None:
        raise NotFound(_("No deleted beat with this id can be restored."))
    return beat


def beat_variants(*, beats: list[Beat]) -> dict:
    """{beat id: {"image": [assets], "video": [assets]}}, newest first, for the beats given."""
    variants: dict = {beat.pk: {"image": [], "video": []} for beat in beats}
    for asset in Asset.objects.filter(beat__in=[beat.pk for beat in beats], kind__in=["image", "video"]):
        variants[asset.beat_id][asset.kind].append(asset)
    return variants


# --- Story versions ----------------------------------------------------------------------


def story_version_list_for_project(*, project: Project) -> QuerySet[Story]:
    """Every version of the project's story, newest first, with its number of beats."""
    return (
        project.stories.select_related("created_by")
        .annotate(beat_count=Count("beats", filter=Q(beats__deleted_at__isnull=True)))
        .order_by("-version")
    )


def story_version_get_for_project(*, project: Project, version: object) -> Story:
    try:
        number = int(str(version))
    except ValueError:
        number = -1
    story = project.stories.select_related("created_by").filter(version=number).first() if number > 0 else None
    if story is None:
        raise NotFound(_("This story version does not exist."))
    return story


# --- The project's film -----------------------------------------------------------------


def film_clips_for_project(*, project: Project) -> list[Asset]:
    """The chosen videos of the current beats, in the beats' order: the film, beat after beat."""
    return [beat.animation for beat in beat_list_for_project(project=project) if beat.animation_id]


def animatic_list_for_project(*, project: Project) -> QuerySet[Asset]:
    """Whole-project videos (made with only the project, no beat), newest first."""
    return Asset.objects.filter(project=project, kind=Asset.Kind.VIDEO, beat__isnull=True)


def film_latest_for_project(*, project: Project) -> Asset | None:
    return Asset.objects.filter(project=project, kind=Asset.Kind.FILM).first()


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


def beat_get_for_generation(*, organization: Organization, project_id: object, beat_id: object) -> Beat:
    """A beat of the organization's project, with its story and image, in one query: a
    generation for a beat asks for it before anything is charged. A project that is not the
    organization's answers "Project not found", a beat that is not the project's "Beat not found"."""
    beat_pk = _uuid_or_404(beat_id, _("Beat not found."))
    project_uuid = _uuid_or_404(project_id, _("Project not found."))
    try:
        return Beat.objects.select_related("story", "image").get(
            pk=beat_pk, project_id=project_uuid, project__organization=organization, project__deleted_at__isnull=True
        )
    except Beat.DoesNotExist:
        project_get_for_member(organization=organization, project_id=project_uuid, with_story=False)  # which 404
        raise NotFound(_("Beat not found.")) from None


def asset_get_for_member(*, organization: Organization, asset_id: object) -> Asset:
    asset_uuid = _uuid_or_404(asset_id, _("Asset not found."))
    asset = Asset.objects.filter(organization=organization, pk=asset_uuid, project__deleted_at__isnull=True).first()
    if asset is None:
        raise NotFound(_("Asset not found."))
    return asset


def asset_list_for_project(*, project: Project) -> QuerySet[Asset]:
    return Asset.objects.filter(project=project).select_related("beat")


def published_content_get(*, asset_id: object) -> Asset:
    """One published item for its permalink page; anything else (draft, deleted) is 404."""
    asset_uuid = _uuid_or_404(asset_id, _("This content is not published."))
    asset = published_content_list().filter(pk=asset_uuid).first()
    if asset is None:
        raise NotFound(_("This content is not published."))
    return asset


def published_content_list() -> QuerySet[Asset]:
    """What /gallery/ and /api/public/contents show: published, alive, of alive projects."""
    return (
        Asset.objects.filter(status=Asset.Status.PUBLISHED, project__deleted_at__isnull=True)
        .select_related("project", "beat")
        .order_by("-published_at")
    )


def notification_list_for_user(*, user, organization: Organization, limit: int = 10) -> list[Notification]:
    """The newest notifications; a link to a project deleted since is dropped (its text stays)."""
    notifications = list(Notification.objects.filter(user=user, organization=organization)[:limit])
    alive = project_ids_alive(organization=organization, candidates=[n.link for n in notifications])
    for notification in notifications:
        linked = _UUID_IN_TEXT.findall(notification.link)
        if linked and not all(project_id in alive for project_id in linked):
            notification.link = ""
    return notifications


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- What the pages link to and say -------------------------------------------------------

_UUID_IN_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def project_ids_alive(*, organization: Organization, candidates: list[str]) -> set[str]:
    """Of the project ids found in `candidates` (ids, or links that contain one), those of the
    organization's projects that are not deleted: the only ones a page may link to."""
    found = {match for text in candidates for match in _UUID_IN_TEXT.findall(str(text or ""))}
    if not found:
        return set()
    alive = Project.objects.filter(organization=organization, pk__in=found).values_list("pk", flat=True)
    return {str(pk) for pk in alive}


def job_purposes(*, organization: Organization, jobs: list) -> dict:
    """What each job is for, as the job lists say it: "Beat 3 · The call", "Whole project"…

    A beat's number is its place in its version (orders stay gapless: deleting closes the gap).
    """
    beat_ids = {job.beat_ref for job in jobs if job.beat_ref}
    beats = {
        str(beat.pk): beat
        for beat in Beat.all_objects.filter(project__organization=organization, pk__in=beat_ids).select_related("story")
    }
    purposes = {}
    for job in jobs:
        beat = beats.get(job.beat_ref) if job.beat_ref else None
        if beat is not None and beat.story.is_current and not beat.is_deleted:
            purpose = _("Beat %(number)d · %(title)s") % {"number": beat.order + 1, "title": beat.title}
        elif beat is not None:
            purpose = _("A beat of another version · %(title)s") % {"title": beat.title}
        elif job.kind == "story":
            purpose = _("The story")
        else:
            purpose = _("Whole project")
        if job.kind == "story" and beat is not None:
            purpose = _("Text of %(beat)s") % {"beat": purpose}
        purposes[job.pk] = purpose
    return purposes
