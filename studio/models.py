"""Projects, their story and beats, and the images and videos made for them."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from core.models import TimeStampedModel

TITLE_MAX = 200
PREMISE_MAX = 5000
TEXT_MAX = 5000
# Soft-deleted rows can be restored this long; then the daily purge deletes them for good.
RESTORABLE_FOR = timedelta(days=30)


class AliveQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class AliveManager(models.Manager.from_queryset(AliveQuerySet)):
    """The default manager: soft-deleted rows are hidden from every default query."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeletable(models.Model):
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = AliveManager()
    all_objects = AliveQuerySet.as_manager()  # staff (admin restore) and the purge task only

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Project(SoftDeletable, TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="projects")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    title = models.CharField(max_length=TITLE_MAX)
    premise = models.TextField(blank=True)
    genre = models.CharField(max_length=60, blank=True)
    # When the last join of the film failed (cleared by the next request and by a success):
    # the project page says so. Joining costs no credits, so there is nothing to refund.
    film_failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        base_manager_name = "all_objects"
        indexes = [models.Index(fields=["organization", "-updated_at"], name="project_org_recent_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/studio/{self.id}/"


class Story(TimeStampedModel):
    """One version of a project's story; the newest is current, earlier ones are kept."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stories")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX)
    logline = models.TextField(blank=True)
    genre = models.CharField(max_length=60, blank=True)
    characters = models.JSONField(default=list, blank=True)
    is_current = models.BooleanField(default=True)
    generation_job_id = models.UUIDField(null=True, blank=True)
    # What the version was generated from, so the next regeneration form starts from it.
    premise = models.TextField(blank=True)
    quality = models.CharField(max_length=10, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["project", "-version"]
        verbose_name_plural = "stories"
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="story_project_version_unique"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_current=True), name="story_one_current_per_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Beat(SoftDeletable, TimeStampedModel):
    """A beat of one story version. `image` and `animation` are the chosen variants among the
    beat's assets; the others stay. Order is unique among the version's beats that are not deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="beats")
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="beats")
    order = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True)
    image = models.ForeignKey("Asset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    animation = models.ForeignKey("Asset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["story", "order"]
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(
                fields=["story", "order"], condition=Q(deleted_at__isnull=True), name="beat_story_order_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order + 1}. {self.title}"


class Asset(SoftDeletable, TimeStampedModel):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        FILM = "film", _("Film")  # the project's beat videos joined into one MP4

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="assets")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assets")
    beat = models.ForeignKey(Beat, on_delete=models.SET_NULL, null=True, blank=True, related_name="assets")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to="assets/%Y/%m/", max_length=300)
    # A film's poster frame: the image a shared link of it previews with (og:image).
    poster = models.FileField(upload_to="assets/%Y/%m/", max_length=300, blank=True)
    prompt = models.TextField(blank=True)
    generation_job_id = models.UUIDField(null=True, blank=True, unique=True)
    placeholder = models.BooleanField(default=False, help_text="Made by the offline placeholder provider.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        base_manager_name = "all_objects"
        indexes = [
            models.Index(
                fields=["-published_at"],
                condition=Q(status="published", deleted_at__isnull=True),
                name="asset_published_idx",
            ),
            models.Index(fields=["project", "-created_at"], name="asset_project_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.project}"


class Notification(models.Model):
    """An in-app message to one user ("Your video is ready"); the unread count shows in the nav."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The English message id (gettext_noop) and its values: shown in the reader's language
    # (studio_text.notification_text), not in the language of the worker that wrote it.
    message = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.message
