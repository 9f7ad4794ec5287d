from django.contrib import admin, messages
from django.db import transaction

from audit.models import StaffAction
from audit.services import staff_action_record

from .models import AIUsageLog, GenerationJob
from .services.jobs import OPEN, generation_job_refund
from .tasks import image_generate, video_generate


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "organization",
        "user",
        "kind",
        "quality",
        "status",
        "provider",
        "progress",
        "credits_used",
        "refunded",
        "created_at",
    )
    list_filter = ("status", "kind", "provider", "quality", "refunded")
    search_fields = ("id", "organization__name", "user__email")
    readonly_fields = [field.name for field in GenerationJob._meta.fields]
    list_select_related = ("organization", "user")
    actions = ("retry_jobs", "refund_jobs")

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retry the selected queued/running image and video jobs (no new charge)")
    def retry_jobs(self, request, queryset):
        """Queue the task again for open jobs (a lost message); failed jobs are refunded and final."""
        retried = 0
        for job in queryset.filter(status__in=OPEN).exclude(kind=GenerationJob.Kind.STORY):
            with transaction.atomic():
                staff_action_record(
                    actor=request.user,
                    action=StaffAction.Action.JOB_RETRY,
                    target=job,
                    after={"status": job.status, "attempts": job.attempts},
                )
                task = image_generate if job.kind == GenerationJob.Kind.IMAGE else video_generate
                transaction.on_commit(lambda task=task, job_id=str(job.pk): task.delay(job_id))
            retried += 1
        self.message_user(
            request,
            f"{retried} job(s) queued again. Finished jobs and stories cannot be retried.",
            messages.SUCCESS if retried else messages.WARNING,
        )

    @admin.action(description="Refund the selected jobs (at most once each)")
    def refund_jobs(self, request, queryset):
        refunded = 0
        for job in queryset:
            with transaction.atomic():  # the refund and its audit row commit together
                if generation_job_refund(job=job):
                    staff_action_record(
                        actor=request.user,
                        action=StaffAction.Action.JOB_REFUND,
                        target=job,
                        before={"refunded": False},
                        after={"refunded": True, "credits": job.credits_used},
                    )
                    refunded += 1
        self.message_user(request, f"{refunded} job(s) refunded.", messages.SUCCESS)


@admin.register(AIUsageLog)
class AIUsageLogAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "organization",
        "user",
        "endpoint",
        "provider",
        "model",
        "status",
        "credits",
        "duration_ms",
        "cost_usd",
        "cache_hit",
    )
    list_filter = ("status", "provider", "endpoint", "cache_hit")
    search_fields = ("organization__name", "user__email", "model")
    readonly_fields = [field.name for field in AIUsageLog._meta.fields]
    list_select_related = ("organization", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
