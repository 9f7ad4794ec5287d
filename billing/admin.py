from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import StaffAction
from audit.services import field_changes, staff_action_record

from .gateways import GatewayError
from .models import CardCheck, CreditPack, Fulfilment, GopayLink, Invoice, Order, Plan, Subscription, WebhookEvent
from .services.fulfilment import AmountMismatch
from .services.orders import order_recheck
from .services.releases_by_hand import release_handled_by_hand
from .services.subscriptions import (
    subscription_cancel_by_staff,
    subscription_changed,
    subscription_extend_by_staff,
)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "price_idr", "credits", "daily_limit", "period_days", "is_paid", "is_active"]
    list_editable = ["is_active"]
    ordering = ["sort_order", "price_idr"]


@admin.register(CreditPack)
class CreditPackAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "price_idr", "credits", "bonus_credits", "is_active"]
    list_editable = ["is_active"]


class RenewalWindowFilter(admin.SimpleListFilter):
    """Staff lists: renewals coming up in the next 7 days, and past-due subscriptions."""

    title = _("renewal")
    parameter_name = "renewal"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Renews within 7 days")), ("past_due", _("Past due (in grace)"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "upcoming":
            return queryset.filter(
                status=Subscription.Status.ACTIVE,
                plan__is_paid=True,
                current_period_end__gt=now,
                current_period_end__lte=now + timedelta(days=7),
            ).order_by("current_period_end")
        if self.value() == "past_due":
            return queryset.filter(status=Subscription.Status.PAST_DUE).order_by("grace_ends_at")
        return queryset


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "plan",
        "status",
        "renewal_mode",
        "current_period_start",
        "current_period_end",
        "grace_ends_at",
        "next_plan",
        "gateway",
    ]
    list_filter = ["status", RenewalWindowFilter, "renewal_mode", "plan"]
    actions = ["extend_seven_days", "cancel_at_period_end"]
    search_fields = ["organization__name", "organization__id"]
    raw_id_fields = ["organization"]
    # The renewal machinery's own columns change through the services (and the actions above).
    readonly_fields = [
        "created_at",
        "updated_at",
        "reminded_for_period_end",
        "reminded_days_before",
        "renewal_mode",
        "grace_ends_at",
        "dunning_reminded_on",
        "auto_renewal_gateway",
        "auto_renewal_reference",
    ]
    audited_fields = ["organization", "plan", "status", "current_period_start", "current_period_end", "gateway"]

    @admin.action(description=_("Extend by 7 days (audited)"))
    def extend_seven_days(self, request, queryset):
        for subscription in queryset:
            subscription_extend_by_staff(subscription_id=subscription.pk, actor=request.user, days=7)
        self.message_user(request, _("Extended."), messages.SUCCESS)

    @admin.action(description=_("Cancel at the period end (audited)"))
    def cancel_at_period_end(self, request, queryset):
        for subscription in queryset:
            subscription_cancel_by_staff(subscription_id=subscription.pk, actor=request.user)
        self.message_user(request, _("Canceled."), messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        """Save and audit in one transaction (the admin's change view is atomic)."""
        old = Subscription.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        before, after = field_changes(old, obj, self.audited_fields)
        if after:
            subscription_changed(obj.organization_id)  # the tier (rate limit, trial) follows at once
            staff_action_record(
                actor=request.user,
                action=StaffAction.Action.SUBSCRIPTION_CHANGE,
                target=obj,
                target_label=f"{obj.organization} · {obj.plan}",
                before=before,
                after=after,
            )


class WebhookEventInline(admin.TabularInline):
    model = WebhookEvent
    fields = ["received_at", "gateway", "external_status", "verdict", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "order_id",
        "organization",
        "item_name",
        "amount",
        "gateway",
        "status",
        "needs_review",
        "created_at",
    ]
    list_filter = ["status", "gateway", "needs_review", "kind"]
    search_fields = ["order_id", "gateway_reference", "organization__name", "user__email"]
    readonly_fields = [
        "order_id",
        "organization",
        "user",
        "kind",
        "plan",
        "pack",
        "item_name",
        "amount",
        "credits",
        "bonus_credits",
        "gateway",
        "status",
        "gateway_reference",
        "gateway_status",
        "redirect_url",
        "language",
        "paid_at",
        "fulfilled_at",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields, "needs_review", "review_note"]
    inlines = [WebhookEventInline]
    actions = ["recheck_with_gateway"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        """Staff edit only the review fields; save and audit in one transaction."""
        old = Order.objects.filter(pk=obj.pk).first()
        super().save_model(request, obj, form, change)
        before, after = field_changes(old, obj, ["needs_review", "review_note"])
        if after:
            staff_action_record(
                actor=request.user, action=StaffAction.Action.ORDER_REVIEW, target=obj, before=before, after=after
            )

    @admin.action(description=_("Re-check with the gateway"))
    def recheck_with_gateway(self, request, queryset):
        for order in queryset:
            try:
                applied = self._recheck_audited(request, order)
            except (GatewayError, AmountMismatch) as exc:
                self.message_user(request, f"{order.order_id}: {exc}", messages.ERROR)
                continue
            if applied is None:
                self.message_user(request, f"{order.order_id}: the gateway has nothing new to say.", messages.INFO)
            else:
                self.message_user(request, f"{order.order_id}: {applied.verdict} ({applied.reason})", messages.SUCCESS)

    def _recheck_audited(self, request, order: Order):
        """order_recheck, with the status it moves audited in the same transaction. An amount
        mismatch keeps its committed review flag (the error is raised after the commit)."""
        mismatch = None
        with transaction.atomic():
            try:
                applied = order_recheck(order=order)
            except AmountMismatch as exc:
                applied, mismatch = None, exc
            if applied is not None and applied.order.status != order.status:
                staff_action_record(
                    actor=request.user,
                    action=StaffAction.Action.ORDER_RECHECK,
                    target=applied.order,
                    reason=applied.reason,
                    before={"status": order.status},
                    after={"status": applied.order.status, "verdict": applied.verdict},
                )
        if mismatch is not None:
            raise mismatch
        return applied


@admin.register(Fulfilment)
class FulfilmentAdmin(admin.ModelAdmin):
    list_display = ["order", "credits", "bonus_credits", "subscription", "created_at"]
    readonly_fields = ["order", "subscription", "credits", "bonus_credits", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "gateway", "external_status", "verdict", "order", "reason"]
    list_filter = ["gateway", "verdict"]
    search_fields = ["order__order_id", "reason"]
    readonly_fields = [
        "gateway",
        "received_at",
        "processed_at",
        "verdict",
        "reason",
        "order",
        "external_status",
        "payload",
        "headers",
        "body",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Read-only: an invoice is never edited once issued."""

    list_display = ["number", "organization", "issued_at", "subtotal", "ppn", "total"]
    list_filter = ["year"]
    search_fields = ["number", "order__order_id", "organization__name"]
    readonly_fields = [f.name for f in Invoice._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# What staff need to see of a release at the gateway (models.GatewayRelease).
RELEASE_COLUMNS = ("release_tries", "release_error")


class AutoRenewalSetupAdmin(admin.ModelAdmin):
    """Card checks and GoPay linkings: read-only, their services move them. Staff with the
    model's change permission may mark a flagged one handled by hand (audited)."""

    handled_message = ""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_handle_permission(self, request) -> bool:
        """The model's own change permission (the form itself stays read-only)."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}")

    def _mark_handled(self, request, queryset) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        moved = sum(1 for pk in pks if release_handled_by_hand(self.model, pk, actor=request.user))
        if moved:
            self.message_user(request, self.handled_message % {"count": moved}, messages.SUCCESS)
        if len(pks) > moved:
            left = _("%(count)s not flagged: left as they were.") % {"count": len(pks) - moved}
            self.message_user(request, left, messages.WARNING)


@admin.register(CardCheck)
class CardCheckAdmin(AutoRenewalSetupAdmin):
    """Midtrans card checks (services.card_check): read-only. Release "Refund by hand": Midtrans
    would not cancel the check however often it was asked, nor refund it; its release error
    says why. Staff who refunded it mark it "Refunded by hand" (the action, audited)."""

    list_display = (
        "order_id",
        "organization",
        "status",
        "reason",
        "amount",
        "release",
        *RELEASE_COLUMNS,
        "voided_at",
        "created_at",
    )
    list_filter = ("release", "status")
    search_fields = ("order_id",)
    actions = ["mark_refunded_by_hand"]
    handled_message = _("%(count)s marked refunded by hand.")

    @admin.action(description=_("Mark refunded by hand (audited)"), permissions=["handle"])
    def mark_refunded_by_hand(self, request, queryset):
        self._mark_handled(request, queryset)


@admin.register(GopayLink)
class GopayLinkAdmin(AutoRenewalSetupAdmin):
    """Midtrans GoPay linkings (services.gopay_link): read-only. Status "Unbind by hand": Midtrans
    would not unbind the account however often it was asked; its release error says why. Staff
    who had it unbound mark it "Unbound by hand" (the action, audited)."""

    list_display = (
        "account_id",
        "organization",
        "status",
        "reason",
        "recurring_reference",
        *RELEASE_COLUMNS,
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("account_id",)
    actions = ["mark_unbound_by_hand"]
    handled_message = _("%(count)s marked unbound by hand.")

    @admin.action(description=_("Mark unbound by hand (audited)"), permissions=["handle"])
    def mark_unbound_by_hand(self, request, queryset):
        self._mark_handled(request, queryset)
