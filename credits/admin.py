"""Staff views of the ledger: everything read-only; credits change only through an adjustment."""

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from audit.models import StaffAction
from audit.services import staff_action_record
from core.errors import ApplicationError

from .forms import CreditAdjustForm
from .models import CreditBalance, CreditTransaction, IdempotencyRecord, TrialUsage
from .services.grants import credits_adjust

ADJUST_PERMISSION = "credits.adjust_credits"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CreditBalance)
class CreditBalanceAdmin(ReadOnlyAdmin):
    list_display = ["organization", "balance", "bonus_balance", "total", "updated_at"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "=organization__id"]
    fields = ["organization", "balance", "bonus_balance", "updated_at", "tools"]
    readonly_fields = fields
    actions = ["adjust_credits"]

    @admin.display(description=_("Total"))
    def total(self, balance: CreditBalance) -> int:
        return balance.total

    @admin.display(description=_("Tools"))
    def tools(self, balance: CreditBalance) -> str:
        ledger = reverse("admin:credits_credittransaction_changelist") + f"?organization={balance.organization_id}"
        adjust = reverse("admin:credits_creditbalance_adjust", args=[balance.organization_id])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>', ledger, _("Ledger"), adjust, _("Adjust credits")
        )

    def get_urls(self):
        return [
            path(
                "<uuid:organization_id>/adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="credits_creditbalance_adjust",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=_("Adjust credits of the selected organization…"))
    def adjust_credits(self, request: HttpRequest, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one organization to adjust."), messages.WARNING)
            return None
        return HttpResponseRedirect(
            reverse("admin:credits_creditbalance_adjust", args=[queryset.get().organization_id])
        )

    def adjust_view(self, request: HttpRequest, organization_id: uuid.UUID):
        """A form with amount and reason; saves through services.credits_adjust as request.user."""
        if not request.user.has_perm(ADJUST_PERMISSION):
            raise PermissionDenied
        organization = get_object_or_404(Organization, pk=organization_id)
        form = CreditAdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():  # the adjustment and its audit row commit together
                    row = credits_adjust(
                        organization=organization,
                        amount=form.cleaned_data["amount"],
                        reason=form.cleaned_data["reason"],
                        staff_user=request.user,
                    )
                    staff_action_record(
                        actor=request.user,
                        action=StaffAction.Action.CREDITS_ADJUST,
                        target=organization,
                        reason=form.cleaned_data["reason"],
                        before={"balance": row.balance_after - row.main_amount},
                        after={"balance": row.balance_after, "amount": row.amount, "ledger_row": row.pk},
                    )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    _("Adjusted %(org)s by %(amount)+d credits; main balance now %(balance)d.")
                    % {"org": organization.name, "amount": row.amount, "balance": row.balance_after},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:credits_creditbalance_change", args=[organization.pk]))
        balance = CreditBalance.objects.filter(organization=organization).first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Adjust credits of %(org)s") % {"org": organization.name},
            "organization": organization,
            "balance": balance,
            "form": form,
        }
        return TemplateResponse(request, "admin/credits/creditbalance/adjust.html", context)


class OrganizationListFilter(admin.SimpleListFilter):
    """`?organization=<uuid>`, linked from a balance. Listing every organization as a choice
    would not scale; the search box finds organizations by name."""

    title = _("organization")
    parameter_name = "organization"

    def _organization_id(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(self.value()))
        except ValueError:
            return None

    def lookups(self, request, model_admin):
        organization_id = self._organization_id() if self.value() else None
        if organization_id is None:
            return []
        return list(Organization.objects.filter(pk=organization_id).values_list("id", "name"))

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        organization_id = self._organization_id()
        return queryset.filter(organization_id=organization_id) if organization_id else queryset.none()


@admin.register(CreditTransaction)
class CreditTransactionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "organization",
        "type",
        "amount",
        "main_amount",
        "bonus_amount",
        "balance_after",
        "bonus_balance_after",
        "user",
        "reference",
        "description",
    ]
    list_filter = [OrganizationListFilter, "type", ("created_at", admin.DateFieldListFilter)]
    date_hierarchy = "created_at"
    search_fields = ["organization__name", "=organization__id", "user__email", "reference_id", "description"]
    list_select_related = ["organization", "user"]
    show_full_result_count = False  # a COUNT(*) of the whole ledger on every page is not worth it
    fields = [
        "id",
        "organization",
        "user",
        "type",
        "amount",
        "main_amount",
        "bonus_amount",
        "balance_after",
        "bonus_balance_after",
        "feature",
        "reference_type",
        "reference_id",
        "refund_of",
        "description",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("Reference"))
    def reference(self, row: CreditTransaction) -> str:
        return f"{row.reference_type}:{row.reference_id}" if row.reference_type else ""

    def get_actions(self, request):
        return {}  # not even "delete selected": ledger rows are never deleted


@admin.register(TrialUsage)
class TrialUsageAdmin(admin.ModelAdmin):
    """Staff may extend one person's trial (ends_at, max_generations); `used` moves only by generations."""

    list_display = ["user", "used", "max_generations", "ends_at", "created_at"]
    list_filter = ["ends_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    fields = ["user", "used", "max_generations", "ends_at", "created_at", "updated_at"]
    readonly_fields = ["user", "used", "created_at", "updated_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "endpoint", "key", "organization", "user", "status", "response_status", "expires_at"]
    list_filter = ["status", "endpoint"]
    search_fields = ["key", "=organization__id", "user__email"]
    list_select_related = ["organization", "user"]
