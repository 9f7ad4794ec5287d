"""Writes for the studio: projects, stories and beats, assets and publishing, notifications."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Membership, User
from core.errors import ValidationFailed

from .models import PREMISE_MAX, TEXT_MAX, TITLE_MAX, Asset, Beat, Notification, Project, Story

PURGE_AFTER = timedelta(days=30)


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
    return Project.objects.create(
        organization=membership.organization,
        owner=membership.user,
        title=_clean_text(title, field="title", max_length=TITLE_MAX, required=True),
        premise=_clean_text(premise, field="premise", max_length=PREMISE_MAX),
        genre=_clean_text(genre, field="genre", max_length=60),
    )


def project_update(*, project: Project, **changes: str) -> Project:
    limits = {"title": TITLE_MAX, "premise": PREMISE_MAX, "genre": 60}
    for field, value in changes.items():
        setattr(project, field, _clean_text(value, field=field, max_length=limits[field], required=field == "title"))
    project.save(update_fields=[*changes, "updated_at"])
    return project


def project_soft_delete(*, project: Project) -> None:
    """Hidden everywhere at once; staff can restore it from the admin within 30 days."""
    Project.all_objects.filter(pk=project.pk).update(deleted_at=timezone.now())


def project_restore(*, project: Project) -> None:
    Project.all_objects.filter(pk=project.pk).update(deleted_at=None)


# --- Story and beats --------------------------------------------------------------------


def story_apply(*, project: Project, story: dict, generation_job_id=None) -> Story:
    """A generated story becomes the project's current story; its beats replace the old ones.

    Earlier story versions are kept. Assets made for the old beats stay with the project.
    """
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        latest = project.stories.order_by("-version").first()
        project.stories.filter(is_current=True).update(is_current=False)
        current = Story.objects.create(
            project=project,
            version=(latest.version + 1) if latest else 1,
            title=story["title"][:200],
            logline=story.get("logline", ""),
            genre=story.get("genre", "")[:60],
            characters=story.get("characters", []),
            generation_job_id=generation_job_id,
        )
        project.beats.all().delete()
        Beat.objects.bulk_create(
            Beat(project=project, order=index, title=beat["title"][:200], description=beat.get("description", ""))
            for index, beat in enumerate(story["beats"])
        )
        if not project.genre and current.genre:
            project.genre = current.genre
        project.save(update_fields=["genre", "updated_at"])
    return current


def beat_update(*, beat: Beat, **changes: str) -> Beat:
    limits = {"title": TITLE_MAX, "description": TEXT_MAX}
    for field, value in changes.items():
        setattr(beat, field, _clean_text(value, field=field, max_length=limits[field], required=field == "title"))
    beat.save(update_fields=[*changes, "updated_at"])
    return beat


def beats_reorder(*, project: Project, beat_ids: list) -> list[Beat]:
    """Put the project's beats in the order given; every beat exactly once, or nothing changes."""
    with transaction.atomic():
        beats = {str(beat.pk): beat for beat in project.beats.select_for_update()}
        wanted = [str(beat_id) for beat_id in beat_ids]
        if len(wanted) != len(set(wanted)):
            raise ValidationFailed(_("Each beat may appear only once."), fields={"beat_ids": [_("Duplicate ids.")]})
        if set(wanted) != set(beats):
            raise ValidationFailed(
                _("List every beat of this project exactly once."), fields={"beat_ids": [_("Missing or unknown ids.")]}
            )
        # Two steps so that the (project, order) unique constraint never sees two equal orders.
        project.beats.update(order=F("order") + len(beats) + 1000)
        for order, beat_id in enumerate(wanted):
            Beat.objects.filter(pk=beats[beat_id].pk).update(order=order)
        Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    return list(project.beats.order_by("order"))


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
    """Delete for good what was soft-deleted more than 30 days ago, files included."""
    cutoff = (now or timezone.now()) - PURGE_AFTER
    purged = {"projects": 0, "assets": 0}
    old_assets = Asset.all_objects.filter(deleted_at__lt=cutoff) | Asset.all_objects.filter(
        project__deleted_at__lt=cutoff
    )
    for asset in old_assets.distinct().iterator():
        asset.file.delete(save=False)
        Asset.all_objects.filter(pk=asset.pk).delete()
        purged["assets"] += 1
    projects = Project.all_objects.filter(deleted_at__lt=cutoff)
    purged["projects"] = projects.count()
    projects.delete()
    return purged


# --- Notifications ----------------------------------------------------------------------


def notification_create(*, user: User, organization_id, message: str, link: str = "") -> Notification:
    return Notification.objects.create(user=user, organization_id=organization_id, message=message[:300], link=link)


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
