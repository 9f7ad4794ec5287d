"""Generation jobs (one per charged request) and the usage log (one row per provider call)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class GenerationJob(TimeStampedModel):
    """One charged generation: story, image or video.

    The charge (`charge_id`, a credits ledger row) is written in the transaction that creates
    the job; a failed job is refunded exactly once (credits' unique `refund_of`). `operation`
    holds a provider's long-running operation id (Veo), saved before the first poll.
    """

    class Kind(models.TextChoices):
        STORY = "story", _("Story")
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIAL = "partial", _("Partly delivered")
        FAILED = "failed", _("Failed")

    class Quality(models.TextChoices):
        FAST = "fast", _("Fast")
        PREMIUM = "premium", _("Premium")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: (organization, created_at) below serves every lookup by organization.
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    quality = models.CharField(max_length=8, choices=Quality.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    provider = models.CharField(max_length=20, blank=True, help_text="The provider that answered (or last tried).")
    model = models.CharField(max_length=80, blank=True)
    template_version = models.CharField(max_length=20, blank=True)
    input = models.JSONField(default=dict, help_text="What was asked: premise or prompt, sources, variation.")
    project_ref = models.CharField(max_length=64, blank=True)
    beat_ref = models.CharField(max_length=64, blank=True)
    result = models.JSONField(null=True, blank=True)
    output_file = models.CharField(max_length=300, blank=True, help_text="Path in the default storage.")
    error = models.CharField(max_length=500, blank=True)
    credits_used = models.PositiveIntegerField(default=0)
    charge_id = models.UUIDField(null=True, blank=True, help_text="The credits ledger usage row.")
    trial_slot = models.BooleanField(default=False, help_text="A trial slot was taken for this job.")
    refunded = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    operation = models.CharField(max_length=300, blank=True, help_text="Provider operation id (Veo).")
    placeholder = models.BooleanField(
        default=False, help_text="Served by the offline placeholder provider (local text or images)."
    )
    clips = models.JSONField(
        default=list,
        blank=True,
        help_text="Per-beat video: one entry per clip (charge, Veo operation, status, file); empty otherwise.",
    )
    deadline_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="aigen_job_org_created"),
            models.Index(
                fields=["deadline_at"], name="aigen_job_open_deadline", condition=Q(status__in=["queued", "running"])
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="aigen_job_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quality} {self.status} ({self.id})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.PARTIAL, self.Status.FAILED)

    @property
    def extra_charge_ids(self) -> list[str]:
        """The charges of a per-beat video's clips besides the job's own (`charge_id`)."""
        return [clip["charge_id"] for clip in self.clips if clip["charge_id"] != str(self.charge_id)]


class AIUsageLog(models.Model):
    """One provider call (or one cache hit): who, what, how long, what it cost."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (circuit open)")

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("Succeeded")
        SKIPPED = "skipped", _("Skipped (circuit open)")
        TIMEOUT = "timeout", _("Timed out")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        SERVER_ERROR = "server_error", _("Server error")
        UNREACHABLE = "unreachable", _("Unreachable")
        REFUSED = "refused", _("Refused (safety)")
        REJECTED = "rejected", _("Request rejected")
        INVALID_ANSWER = "invalid_answer", _("Invalid answer")

    # No index of its own: (organization, created_at) below serves every lookup by organization.
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    job = models.ForeignKey(GenerationJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="usage")
    endpoint = models.CharField(max_length=40)
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=80)
    credits = models.IntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices)
    error = models.CharField(max_length=500, blank=True)
    tokens_in = models.PositiveIntegerField(null=True, blank=True)
    tokens_out = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    # From the usage the provider reported and AI_PRICES (aigen.pricing); 9 places keep a
    # 10-token call's cost.
    cost_usd = models.DecimalField(max_digits=15, decimal_places=9, default=0)
    cache_hit = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="aigen_usage_org_created"),
            # Staff analytics (cost per feature, provider health) read only these columns over a
            # time range: a covering index lets them skip the table (index-only scan).
            models.Index(
                fields=["created_at"],
                include=["endpoint", "provider", "status", "duration_ms", "cost_usd", "cache_hit"],
                name="aigen_usage_created_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.provider}/{self.model} {self.status}"
