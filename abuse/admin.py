"""Abuse flags and signup addresses in the admin, and what abuse adds to the accounts admin:
suspend / unsuspend actions and the flags of an organization or a user on its own page.

accounts sits below abuse and cannot import it, so those additions are made here, on the
ModelAdmin instances accounts registered (admin autodiscovery imports accounts.admin first).
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Organization, User

from .models import AbuseFlag, SignupRecord
from .services import abuse_flag_resolve, organization_suspend, organization_unsuspend


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Kept in the staff audit trail. Members never see it."),
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


def _organizations_with_reason(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    organizations: list[Organization],
    *,
    suspend: bool,
) -> TemplateResponse | None:
    """The intermediate page of the suspend / unsuspend actions: a reason, then the change.

    None (back to the list) once applied; the confirmation page while the reason is missing.
    """
    form = ReasonForm(request.POST if "apply" in request.POST else None, required=suspend)
    if form.is_bound and form.is_valid():
        change = organization_suspend if suspend else organization_unsuspend
        reason = form.cleaned_data["reason"]
        changed = sum(change(organization=org, actor=request.user, reason=reason) for org in organizations)
        if suspend:
            text = ngettext("%(n)d organization suspended.", "%(n)d organizations suspended.", changed)
        else:
            text = ngettext("%(n)d organization unsuspended.", "%(n)d organizations unsuspended.", changed)
        modeladmin.message_user(request, text % {"n": changed}, messages.SUCCESS if changed else messages.WARNING)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": _("Suspend organizations") if suspend else _("Lift suspensions"),
        "suspend": suspend,
        "organizations": organizations,
        "queryset": queryset,
        "form": form,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/abuse/organization_reason.html", context)


@admin.action(description=_("Suspend the selected organizations (no AI generation)…"), permissions=["change"])
def suspend_organizations(modeladmin, request, queryset):
    return _organizations_with_reason(modeladmin, request, queryset, list(queryset), suspend=True)


@admin.action(description=_("Lift the suspension of the selected organizations…"), permissions=["change"])
def unsuspend_organizations(modeladmin, request, queryset):
    return _organizations_with_reason(modeladmin, request, queryset, list(queryset), suspend=False)


class OpenFlagListFilter(admin.SimpleListFilter):
    title = _("open abuse flags")
    parameter_name = "abuse_flagged"
    flag_field = "organization"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        open_flags = AbuseFlag.objects.filter(**{self.flag_field: OuterRef("pk")}, resolved_at=None)
        return queryset.filter(Exists(open_flags)) if self.value() == "yes" else queryset.exclude(Exists(open_flags))


class UserOpenFlagListFilter(OpenFlagListFilter):
    flag_field = "user"


class FlagInline(admin.TabularInline):
    model = AbuseFlag
    fields = ["created_at", "rule", "subject", "last_seen_at", "resolved_at", "resolved_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("Abuse flags")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OrganizationFlagInline(FlagInline):
    fk_name = "organization"


class UserFlagInline(FlagInline):
    fk_name = "user"


def _extend(model_admin: admin.ModelAdmin, *, actions=(), inlines=(), list_filter=()) -> None:
    model_admin.actions = [*(model_admin.actions or []), *actions]
    model_admin.inlines = [*model_admin.inlines, *inlines]
    model_admin.list_filter = [*model_admin.list_filter, *list_filter]


_extend(
    admin.site.get_model_admin(Organization),
    actions=[suspend_organizations, unsuspend_organizations],
    inlines=[OrganizationFlagInline],
    list_filter=[OpenFlagListFilter],
)
_extend(admin.site.get_model_admin(User), inlines=[UserFlagInline], list_filter=[UserOpenFlagListFilter])


@admin.register(AbuseFlag)
class AbuseFlagAdmin(admin.ModelAdmin):
    list_display = ["created_at", "rule", "subject", "organization", "user", "last_seen_at", "is_open"]
    list_filter = [
        "rule",
        ("resolved_at", admin.EmptyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["subject", "organization__name", "=organization__id", "user__email", "ip_address"]
    list_select_related = ["organization", "user"]
    fields = [
        "rule",
        "subject",
        "organization",
        "user",
        "ip_address",
        "window_start",
        "window_end",
        "created_at",
        "last_seen_at",
        "evidence_pretty",
        "resolved_at",
        "resolved_by",
        "resolution_note",
    ]
    readonly_fields = fields
    actions = ["resolve_flags", "suspend_flagged_organizations"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # flags change only through the actions, which audit them

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_resolve_permission(self, request) -> bool:
        """Resolving is the one change staff make to a flag: it needs the model's change permission."""
        return request.user.has_perm("abuse.change_abuseflag")

    @admin.display(description=_("Open"), boolean=True)
    def is_open(self, flag: AbuseFlag) -> bool:
        return flag.is_open

    @admin.display(description=_("Evidence"))
    def evidence_pretty(self, flag: AbuseFlag) -> str:
        return format_html("<pre>{}</pre>", json.dumps(flag.evidence, indent=2, ensure_ascii=False, sort_keys=True))

    @admin.action(description=_("Mark the selected flags resolved"), permissions=["resolve"])
    def resolve_flags(self, request, queryset):
        resolved = sum(abuse_flag_resolve(flag=flag, actor=request.user) for flag in queryset)
        self.message_user(
            request, ngettext("%(n)d flag resolved.", "%(n)d flags resolved.", resolved) % {"n": resolved}
        )

    @admin.action(description=_("Suspend the organizations of the selected flags…"), permissions=["resolve"])
    def suspend_flagged_organizations(self, request, queryset):
        if not request.user.has_perm("accounts.change_organization"):
            self.message_user(request, _("You may not change organizations."), messages.ERROR)
            return None
        organization_ids = queryset.exclude(organization=None).values_list("organization_id", flat=True)
        organizations = list(Organization.objects.filter(pk__in=organization_ids))
        if not organizations:
            self.message_user(request, _("None of the selected flags names an organization."), messages.WARNING)
            return None
        return _organizations_with_reason(self, request, queryset, organizations, suspend=True)


@admin.register(SignupRecord)
class SignupRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "ip_address", "user"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["=ip_address", "user__email"]
    list_select_related = ["user"]
    readonly_fields = ["user", "ip_address", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
