"""The audit trail in the admin: read-only for everyone, superusers included."""

import json

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import StaffAction


class ActorListFilter(admin.SimpleListFilter):
    """Only the people who appear in the trail, not every user."""

    title = _("actor")
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        actors = StaffAction.objects.exclude(actor_email="").values_list("actor_email", flat=True).distinct()
        return [(email, email) for email in actors.order_by("actor_email")[:100]]

    def queryset(self, request, queryset):
        return queryset.filter(actor_email=self.value()) if self.value() else queryset


@admin.register(StaffAction)
class StaffActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_email", "action", "target_link", "organization", "short_reason"]
    list_filter = ["action", ActorListFilter, ("created_at", admin.DateFieldListFilter)]
    date_hierarchy = "created_at"
    search_fields = ["target_label", "=target_id", "reason", "actor_email", "organization__name", "=organization__id"]
    list_select_related = ["organization"]
    show_full_result_count = False
    fields = [
        "created_at",
        "actor",
        "actor_email",
        "action",
        "target_type",
        "target_id",
        "target_link",
        "organization",
        "reason",
        "before_pretty",
        "after_pretty",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        return {}

    @admin.display(description=_("Target"), ordering="target_label")
    def target_link(self, row: StaffAction) -> str:
        app_label, _dot, model = row.target_type.partition(".")
        try:
            url = reverse(f"admin:{app_label}_{model}_change", args=[row.target_id])
        except NoReverseMatch:
            return row.target_label or row.target_id
        return format_html('<a href="{}">{}</a>', url, row.target_label or row.target_id)

    @admin.display(description=_("Reason"))
    def short_reason(self, row: StaffAction) -> str:
        return row.reason if len(row.reason) <= 80 else row.reason[:79] + "…"

    @admin.display(description=_("Before"))
    def before_pretty(self, row: StaffAction) -> str:
        return format_html("<pre>{}</pre>", json.dumps(row.before, indent=2, ensure_ascii=False, sort_keys=True))

    @admin.display(description=_("After"))
    def after_pretty(self, row: StaffAction) -> str:
        return format_html("<pre>{}</pre>", json.dumps(row.after, indent=2, ensure_ascii=False, sort_keys=True))
