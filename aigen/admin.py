from django.contrib import admin, messages

from . import services
from .models import AIUsageLog, GenerationJob
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
        for job in queryset.filter(status__in=services.OPEN).exclude(kind=GenerationJob.Kind.STORY):
            (image_generate if job.kind == GenerationJob.Kind.IMAGE else video_generate).delay(str(job.pk))
            retried += 1
        self.message_user(
            request,
            f"{retried} job(s) queued again. Finished jobs and stories cannot be retried.",
            messages.SUCCESS if retried else messages.WARNING,
        )

    @admin.action(description="Refund the selected jobs (at most once each)")
    def refund_jobs(self, request, queryset):
        refunded = sum(services.generation_job_refund(job=job) for job in queryset)
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
