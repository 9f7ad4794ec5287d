from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Asset, Beat, Notification, Project, Story


class DeletedFilter(admin.SimpleListFilter):
    title = _("deleted")
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", _("Not deleted")), ("yes", _("Deleted (restorable for 30 days)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


class SoftDeletableAdmin(admin.ModelAdmin):
    """Staff see deleted rows too (filter "deleted") and can restore them."""

    actions = ["restore"]

    def get_queryset(self, request):
        return self.model.all_objects.get_queryset()

    @admin.action(description=_("Restore the selected rows"))
    def restore(self, request, queryset):
        restored = queryset.filter(deleted_at__isnull=False).update(deleted_at=None)
        self.message_user(request, _("%(count)d restored.") % {"count": restored}, messages.SUCCESS)


class BeatInline(admin.TabularInline):
    """The beats of every story version (the current one's and the earlier ones'), not deleted."""

    model = Beat
    extra = 0
    fields = ["story", "order", "title", "image", "animation"]
    readonly_fields = ["story", "image", "animation"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # a beat belongs to a story version: members add them in the studio


@admin.register(Project)
class ProjectAdmin(SoftDeletableAdmin):
    list_display = ["title", "organization", "owner", "genre", "updated_at", "deleted_at"]
    list_filter = [DeletedFilter, "created_at"]
    search_fields = ["title", "organization__name", "owner__email", "=id"]
    list_select_related = ["organization", "owner"]
    readonly_fields = ["id", "organization", "owner", "created_at", "updated_at", "deleted_at"]
    inlines = [BeatInline]


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "version", "is_current", "quality", "created_by", "created_at"]
    list_filter = ["is_current", "quality"]
    list_select_related = ["project", "created_by"]
    search_fields = ["title", "project__title"]


@admin.register(Asset)
class AssetAdmin(SoftDeletableAdmin):
    list_display = ["id", "kind", "project", "status", "published_at", "created_at", "deleted_at"]
    list_filter = [DeletedFilter, "kind", "status", "created_at"]
    search_fields = ["=id", "project__title", "organization__name", "prompt"]
    list_select_related = ["project"]
    readonly_fields = ["id", "organization", "project", "beat", "generation_job_id", "created_at", "updated_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "message", "created_at", "read_at"]
    list_filter = ["read_at", "created_at"]
    search_fields = ["user__email", "message"]
    list_select_related = ["user"]
