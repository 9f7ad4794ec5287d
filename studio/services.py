"""Writes for the studio: projects, stories and beats, assets and publishing, notifications."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Membership, User
from core.errors import NotFound, ValidationFailed

from .errors import VersionReadOnly
from .models import PREMISE_MAX, RESTORABLE_FOR, TEXT_MAX, TITLE_MAX, Asset, Beat, Notification, Project, Story

_LABELS = {
    "title": _lazy("Title"),
    "premise": _lazy("Premise"),
    "genre": _lazy("Genre"),
    "description": _lazy("Description"),
}


def _clean_text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    label = str(_LABELS.get(field, field))
    if required and not value:
        raise ValidationFailed(
            _("%(field)s cannot be empty.") % {"field": label},
            fields={field: [_("This field may not be blank.")]},
        )
    if len(value) > max_length:
        raise ValidationFailed(
            _("%(field)s is too long (at most %(max)d characters).") % {"field": label, "max": max_length},
            fields={field: [_("Ensure this field has no more than %(max)d characters.") % {"max": max_length}]},
        )
    return value


# --- Projects ---------------------------------------------------------------------------


def project_create(*, membership: Membership, title: str, premise: str = "", genre: str = "") -> Project:
    project = Project.objects.create(
        organization=membership.organization,
        owner=membership.user,
        title=_clean_text(title, field="title", max_length=TITLE_MAX, required=True),
        premise=_clean_text(premise, field="premise", max_length=PREMISE_MAX),
        genre=_clean_text(genre, field="genre", max_length=60),
    )
    project.current_stories = []  # as the selectors give it: a new project has no story to read back
    return project


def project_update(*, project: Project, **changes: str) -> Project:
    limits = {"title": TITLE_MAX, "premise": PREMISE_MAX, "genre": 60}
    for field, value in changes.items():
        setattr(project, field, _clean_text(value, field=field, max_length=limits[field], required=field == "title"))
    project.save(update_fields=[*changes, "updated_at"])
    return project


def project_soft_delete(*, project: Project) -> None:
    """Hidden everywhere at once; its members can restore it for 30 days ("Deleted"), then the
    daily purge removes it."""
    Project.all_objects.filter(pk=project.pk).update(deleted_at=timezone.now())


def project_restore(*, project: Project) -> None:
    Project.all_objects.filter(pk=project.pk).update(deleted_at=None, updated_at=timezone.now())


# --- Story versions ---------------------------------------------------------------------


def story_version_create(
    *,
    project: Project,
    story: dict,
    premise: str = "",
    quality: str = "",
    created_by_id=None,
    generation_job_id=None,
) -> Story:
    """A generated story becomes a new version of the project's story, and the current one.

    Nothing of the earlier versions is touched: their beats, edits and assets stay as they were
    and come back when a version is restored. A redelivered job makes no second version.
    """
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if generation_job_id and project.stories.filter(generation_job_id=generation_job_id).exists():
            return project.stories.get(generation_job_id=generation_job_id)
        latest = project.stories.order_by("-version").first()
        project.stories.filter(is_current=True).update(is_current=False)
        current = Story.objects.create(
            project=project,
            version=(latest.version + 1) if latest else 1,
            title=story["title"][:TITLE_MAX],
            logline=story.get("logline", ""),
            genre=story.get("genre", "")[:60],
            characters=story.get("characters", []),
            premise=(premise or project.premise)[:PREMISE_MAX],
            quality=quality[:10],
            created_by_id=created_by_id,
            generation_job_id=generation_job_id,
        )
        Beat.objects.bulk_create(
            Beat(
                project=project,
                story=current,
                order=index,
                title=beat["title"][:TITLE_MAX],
                description=beat.get("description", ""),
            )
            for index, beat in enumerate(story["beats"])
        )
        if not project.genre and current.genre:
            project.genre = current.genre
        project.save(update_fields=["genre", "updated_at"])
    return current


def story_version_restore(*, project: Project, version: object) -> Story:
    """Make an earlier version current again; every version keeps its beats, edits and assets."""
    try:
        number = int(str(version))
    except ValueError:
        number = 0
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()
        story = project.stories.filter(version=number).first() if number > 0 else None
        if story is None:
            raise NotFound(_("This story version does not exist."))
        if not story.is_current:
            project.stories.filter(is_current=True).update(is_current=False)
            Story.objects.filter(pk=story.pk).update(is_current=True)
            story.is_current = True
        # The premise it grew from comes back too, for the next regeneration.
        project.premise = story.premise or project.premise
        project.save(update_fields=["premise", "updated_at"])
    return story


def _current_story_for_writing(project: Project) -> Story:
    """The current version, locked; a project without one gets an empty version 1 to write beats in."""
    Project.objects.select_for_update().filter(pk=project.pk).first()
    story = project.stories.filter(is_current=True).first()
    if story is None:
        latest = project.stories.order_by("-version").first()
        story = Story.objects.create(
            project=project, version=(latest.version + 1) if latest else 1, title=project.title[:TITLE_MAX]
        )
    return story


# --- Beats ------------------------------------------------------------------------------


def _beat_writable_lock(beat: Beat) -> None:
    """Lock the beat's project (so no restore switches versions meanwhile) and refuse, with 409
    VERSION_READ_ONLY, a change to a beat of a version that is not the current one: earlier
    versions are kept exactly as they were until restored."""
    Project.objects.select_for_update().filter(pk=beat.project_id).first()
    story = Story.objects.only("version", "is_current").get(pk=beat.story_id)
    if not story.is_current:
        raise VersionReadOnly(story.version)


def beat_update(*, beat: Beat, **changes: str) -> Beat:
    limits = {"title": TITLE_MAX, "description": TEXT_MAX}
    for field, value in changes.items():
        setattr(beat, field, _clean_text(value, field=field, max_length=limits[field], required=field == "title"))
    with transaction.atomic():
        _beat_writable_lock(beat)
        beat.save(update_fields=[*changes, "updated_at"])
    return beat


def beat_text_apply(*, beat: Beat, story: dict) -> Beat:
    """A story generated for one beat: the beat takes the title and text of the generated beat at
    its own position (the last one when the story is shorter)."""
    generated = story["beats"][min(beat.order, len(story["beats"]) - 1)]
    beat.title = generated["title"][:TITLE_MAX]
    beat.description = generated.get("description", "")[:TEXT_MAX]
    beat.save(update_fields=["title", "description", "updated_at"])
    return beat


def _shift_orders(beats, *, by: int) -> None:
    """Move beats' orders by `by`, through a far-away range so that the (story, order) unique
    constraint never sees two equal orders in between."""
    pks = [beat.pk for beat in beats]
    Beat.objects.filter(pk__in=pks).update(order=F("order") + 100_000)
    Beat.objects.filter(pk__in=pks).update(order=F("order") - 100_000 + by)


def beat_create(*, project: Project, title: str, description: str = "", position: int | None = None) -> Beat:
    """A new beat in the current version, at `position` (0-based; the end when None)."""
    title = _clean_text(title, field="title", max_length=TITLE_MAX, required=True)
    description = _clean_text(description, field="description", max_length=TEXT_MAX)
    with transaction.atomic():
        story = _current_story_for_writing(project)
        beats = list(story.beats.order_by("order"))
        position = len(beats) if position is None else max(0, min(int(position), len(beats)))
        _shift_orders([beat for beat in beats if beat.order >= position], by=1)
        beat = Beat.objects.create(project=project, story=story, order=position, title=title, description=description)
        Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    return beat


def beat_soft_delete(*, beat: Beat) -> None:
    """Hide the beat (undoable for 30 days); the beats after it close the gap."""
    with transaction.atomic():
        _beat_writable_lock(beat)
        Beat.all_objects.filter(pk=beat.pk).update(deleted_at=timezone.now())
        _shift_orders(list(Beat.objects.filter(story_id=beat.story_id, order__gt=beat.order)), by=-1)


def beat_restore(*, beat: Beat) -> Beat:
    """Put a deleted beat back where it was (or at the end, when its version has fewer beats now)."""
    with transaction.atomic():
        _beat_writable_lock(beat)
        alive = list(Beat.objects.filter(story_id=beat.story_id).order_by("order"))
        position = min(beat.order, len(alive))
        _shift_orders([other for other in alive if other.order >= position], by=1)
        Beat.all_objects.filter(pk=beat.pk).update(deleted_at=None, order=position)
    beat.deleted_at, beat.order = None, position
    return beat


def beats_reorder(*, project: Project, beat_ids: list) -> list[Beat]:
    """Put the current version's beats in the order given; every beat exactly once, or nothing changes."""
    with transaction.atomic():
        story = _current_story_for_writing(project)
        beats = {str(beat.pk): beat for beat in story.beats.select_for_update()}
        wanted = [str(beat_id) for beat_id in beat_ids]
        if len(wanted) != len(set(wanted)):
            raise ValidationFailed(_("Each beat may appear only once."), fields={"beat_ids": [_("Duplicate ids.")]})
        if set(wanted) != set(beats):
            raise ValidationFailed(
                _("List every beat of this project exactly once."), fields={"beat_ids": [_("Missing or unknown ids.")]}
            )
        _shift_orders(list(beats.values()), by=len(beats) + 1000)
        for order, beat_id in enumerate(wanted):
            Beat.objects.filter(pk=beats[beat_id].pk).update(order=order)
        Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    return list(story.beats.order_by("order"))


def beat_move(*, beat: Beat, offset: int) -> None:
    """Move a beat up (-1) or down (+1) among its version's beats: the keyboard's reorder."""
    with transaction.atomic():
        _beat_writable_lock(beat)
        beats = list(Beat.objects.select_for_update().filter(story_id=beat.story_id).order_by("order"))
        index = next(i for i, other in enumerate(beats) if other.pk == beat.pk)
        target = max(0, min(index + offset, len(beats) - 1))
        beats.insert(target, beats.pop(index))
        _shift_orders(beats, by=len(beats) + 1000)
        for order, other in enumerate(beats):
            Beat.objects.filter(pk=other.pk).update(order=order)


def beat_variant_choose(*, beat: Beat, asset: Asset) -> Beat:
    """Make one of the beat's images (or videos) its chosen one; the other variants stay."""
    if asset.beat_id != beat.pk or asset.kind not in (Asset.Kind.IMAGE, Asset.Kind.VIDEO):
        raise ValidationFailed(
            _("This image or video was not made for this beat."),
            fields={"asset_id": [_("Not a variant of this beat.")]},
        )
    field = "image" if asset.kind == Asset.Kind.IMAGE else "animation"
    with transaction.atomic():
        _beat_writable_lock(beat)
        setattr(beat, field, asset)
        beat.save(update_fields=[field, "updated_at"])
    return beat


# --- Assets -----------------------------------------------------------------------------


def asset_create(
    *,
    project: Project,
    beat: Beat | None,
    kind: str,
    file_name: str,
    prompt: str = "",
    generation_job_id=None,
    placeholder: bool = False,
    poster_name: str = "",
) -> Asset:
    """A generated file (already in the default storage) becomes the project's asset.

    An image or video made for a beat becomes the beat's current image or animation.
    """
    with transaction.atomic():
        existing = Asset.all_objects.filter(generation_job_id=generation_job_id).first() if generation_job_id else None
        if existing is not None:
            return existing  # a redelivered success: the asset is already there
        asset = Asset(
            organization_id=project.organization_id,
            project=project,
            beat=beat,
            kind=kind,
            prompt=prompt,
            generation_job_id=generation_job_id,
            placeholder=placeholder,
        )
        asset.file.name = file_name
        asset.poster.name = poster_name
        asset.save()
        if beat is not None:
            field = "image" if kind == Asset.Kind.IMAGE else "animation"
            Beat.objects.filter(pk=beat.pk).update(**{field: asset, "updated_at": timezone.now()})
    return asset


def asset_publish(*, asset: Asset) -> Asset:
    if asset.status != Asset.Status.PUBLISHED:
        asset.status = Asset.Status.PUBLISHED
        asset.published_at = timezone.now()
        asset.save(update_fields=["status", "published_at", "updated_at"])
    return asset


def asset_unpublish(*, asset: Asset) -> Asset:
    if asset.status != Asset.Status.DRAFT:
        asset.status = Asset.Status.DRAFT
        asset.published_at = None
        asset.save(update_fields=["status", "published_at", "updated_at"])
    return asset


def asset_soft_delete(*, asset: Asset) -> None:
    Asset.all_objects.filter(pk=asset.pk).update(deleted_at=timezone.now(), status=Asset.Status.DRAFT)
    Beat.objects.filter(image=asset).update(image=None)
    Beat.objects.filter(animation=asset).update(animation=None)


def soft_deleted_purge(*, now=None) -> dict[str, int]:
    """Delete for good what was soft-deleted more than 30 days ago: projects, beats and assets,
    with the files of every asset that goes (those of a purged beat or project too)."""
    cutoff = (now or timezone.now()) - RESTORABLE_FOR
    purged = {"projects": 0, "beats": 0, "assets": 0}
    old_assets = (
        Asset.all_objects.filter(deleted_at__lt=cutoff)
        | Asset.all_objects.filter(project__deleted_at__lt=cutoff)
        | Asset.all_objects.filter(beat__deleted_at__lt=cutoff)
    )
    for asset in old_assets.distinct().iterator():
        asset.file.delete(save=False)
        if asset.poster:
            asset.poster.delete(save=False)
        Asset.all_objects.filter(pk=asset.pk).delete()
        purged["assets"] += 1
    beats = Beat.all_objects.filter(deleted_at__lt=cutoff, project__deleted_at__isnull=True)
    purged["beats"] = beats.count()
    beats.delete()
    projects = Project.all_objects.filter(deleted_at__lt=cutoff)
    purged["projects"] = projects.count()
    projects.delete()
    return purged


# --- Notifications ----------------------------------------------------------------------


def notification_create(
    *, user: User, organization_id, message: str, params: dict | None = None, link: str = ""
) -> Notification:
    """`message`: an English message id (gettext_noop) with %(name)s placeholders for `params`;
    each reader sees it in their language."""
    return Notification.objects.create(
        user=user, organization_id=organization_id, message=message[:300], params=params or {}, link=link
    )


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
