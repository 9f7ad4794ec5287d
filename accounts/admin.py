from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Invitation, Membership, Organization, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organization"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "date_joined"]
    search_fields = ["email", "name"]
    readonly_fields = ["date_joined", "last_login"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "is_personal", "member_count", "suspended", "created_at"]
    list_filter = ["is_personal", ("suspended_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["name", "id", "memberships__user__email"]
    # Suspension changes only through the suspend / unsuspend actions (abuse.admin), which audit it.
    readonly_fields = ["id", "suspended_at", "suspended_reason", "created_at", "updated_at"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description=_("Members"), ordering="member_total")
    def member_count(self, organization: Organization) -> int:
        return organization.member_total

    @admin.display(description=_("Suspended"), boolean=True, ordering="suspended_at")
    def suspended(self, organization: Organization) -> bool:
        return organization.is_suspended


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "created_at"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "expires_at", "accepted_at"]
    list_filter = ["role", "accepted_at", "expires_at"]
    search_fields = ["email", "organization__name"]
    readonly_fields = ["token", "invited_by", "accepted_by", "accepted_at", "created_at"]
    list_select_related = ["organization"]
