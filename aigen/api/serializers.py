from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import datetime_text
from core.validation import StrictRequestSerializer

from ..models import AIUsageLog, GenerationJob
from ..receipts import job_credits_refunded, job_receipt

MAX_PREMISE = 5000
MAX_PROMPT = 2000
QUALITIES = GenerationJob.Quality.choices


class StoryRequestSerializer(StrictRequestSerializer):
    premise = serializers.CharField(max_length=MAX_PREMISE, trim_whitespace=True)
    quality = serializers.ChoiceField(choices=QUALITIES, default="fast")
    project_id = serializers.CharField(max_length=64, required=False, allow_null=True)
    variation = serializers.IntegerField(min_value=0, max_value=1000, default=0)


class ImageRequestSerializer(StrictRequestSerializer):
    prompt = serializers.CharField(max_length=MAX_PROMPT, required=False, allow_blank=True, default="")
    quality = serializers.ChoiceField(choices=QUALITIES, default="fast")
    project_id = serializers.CharField(max_length=64, required=False, allow_null=True)
    beat_id = serializers.CharField(max_length=64, required=False, allow_null=True)

    def validate(self, attrs):
        if not attrs.get("prompt") and not attrs.get("beat_id"):
            raise serializers.ValidationError({"prompt": [_("Give a prompt, or a beat to illustrate.")]})
        if attrs.get("beat_id") and not attrs.get("project_id"):
            raise serializers.ValidationError({"project_id": [_("A beat needs its project.")]})
        return attrs


class VideoRequestSerializer(StrictRequestSerializer):
    project_id = serializers.CharField(max_length=64, required=False, allow_null=True)
    beat_id = serializers.CharField(max_length=64, required=False, allow_null=True)
    image_job_ids = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=12, default=list)
    prompt = serializers.CharField(max_length=MAX_PROMPT, required=False, allow_blank=True, default="")
    quality = serializers.ChoiceField(choices=QUALITIES, default="fast")

    def validate(self, attrs):
        if not (attrs.get("project_id") or attrs.get("image_job_ids") or attrs.get("prompt")):
            raise serializers.ValidationError(
                {"project_id": [_("Give a project (and beat), image_job_ids or a prompt.")]}
            )
        if attrs.get("beat_id") and not attrs.get("project_id"):
            raise serializers.ValidationError({"project_id": [_("A beat needs its project.")]})
        return attrs


class StoryCharacterSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()


class StoryBeatSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()


class GeneratedStorySerializer(serializers.Serializer):
    title = serializers.CharField()
    logline = serializers.CharField()
    genre = serializers.CharField()
    characters = StoryCharacterSerializer(many=True)
    beats = StoryBeatSerializer(many=True)


class StoryResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    data = GeneratedStorySerializer()
    creditsUsed = serializers.IntegerField()  # noqa: N815 - the API's field names
    remainingCredits = serializers.IntegerField()  # noqa: N815
    cached = serializers.BooleanField()
    job_id = serializers.UUIDField(allow_null=True)
    placeholder = serializers.BooleanField()


class JobQueuedSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=GenerationJob.Status.choices)
    creditsUsed = serializers.IntegerField()  # noqa: N815
    remainingCredits = serializers.IntegerField()  # noqa: N815


class ReceiptAttemptSerializer(serializers.Serializer):
    provider = serializers.CharField()
    model = serializers.CharField()
    outcome = serializers.ChoiceField(choices=AIUsageLog.Outcome.choices)
    ms = serializers.IntegerField()


class ReceiptCreditsSerializer(serializers.Serializer):
    charged = serializers.IntegerField()
    refunded = serializers.IntegerField()
    net = serializers.IntegerField()


class ReceiptSerializer(serializers.Serializer):
    provider = serializers.CharField(allow_null=True, help_text="Who served the output (null when none did).")
    model = serializers.CharField(allow_null=True)
    attempts = ReceiptAttemptSerializer(many=True)
    credits = ReceiptCreditsSerializer()
    cached = serializers.BooleanField()
    placeholder = serializers.BooleanField()
    usd_cost = serializers.DecimalField(max_digits=15, decimal_places=9, help_text="What the calls cost us, in USD.")


class JobPartialSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The story's text as written so far (JSON, incomplete).")
    beats = StoryBeatSerializer(many=True, help_text="The beats complete so far.")


class JobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField(help_text="story | image | video")
    quality = serializers.ChoiceField(choices=GenerationJob.Quality.choices)
    status = serializers.ChoiceField(choices=GenerationJob.Status.choices)
    progress = serializers.IntegerField()
    result = serializers.JSONField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    creditsUsed = serializers.SerializerMethodField(help_text="Net: 0 once refunded.")  # noqa: N815
    refunded = serializers.BooleanField()
    placeholder = serializers.BooleanField(help_text="Made by the offline placeholder provider, not a real one.")
    receipt = serializers.SerializerMethodField()
    partial = JobPartialSerializer(read_only=True, allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, job):
        data = super().to_representation(job)
        result = data.get("result")
        if isinstance(result, dict) and result.get("file"):
            data["result"] = {**result, "url": default_storage.url(result["file"])}
        return data

    def get_creditsUsed(self, job) -> int:  # noqa: N802
        return job.credits_used - job_credits_refunded(job)

    @extend_schema_field(ReceiptSerializer)
    def get_receipt(self, job) -> dict:
        return job_receipt(job)


def job_representation(job: GenerationJob) -> dict:
    """A job as JobSerializer documents it, built directly: a running job is polled every few
    seconds by each client that waits on it (the most frequent request of the API), and DRF's
    field-by-field serializer was a third of the poll's CPU. `partial` is the caller's.
    tests/aigen/test_receipts.py checks that both give the same body."""
    result = job.result
    if isinstance(result, dict) and result.get("file"):
        # A fresh URL at each read: on R2 it is signed and short-lived, so a stored one expires.
        result = {**result, "url": default_storage.url(result["file"])}
    receipt = job_receipt(job)
    return {
        "id": str(job.pk),
        "kind": job.kind,
        "quality": job.quality,
        "status": job.status,
        "progress": job.progress,
        "result": result,
        "error": job.error,
        "creditsUsed": receipt["credits"]["net"],
        "refunded": job.refunded,
        "placeholder": job.placeholder,
        "receipt": receipt,
        "partial": None,
        "created_at": datetime_text(job.created_at),
        "finished_at": datetime_text(job.finished_at),
    }


class JobEventSerializer(serializers.Serializer):
    """One Server-Sent Event of GET /api/ai/jobs/{id}/events (`data` is JSON text)."""

    id = serializers.CharField(required=False)
    event = serializers.ChoiceField(choices=["delta", "beat", "progress", "reset", "done", "failed"], required=False)
    data = serializers.CharField(required=False)
    retry = serializers.IntegerField(required=False)
