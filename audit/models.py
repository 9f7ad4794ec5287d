"""The staff audit trail: one row per thing staff did, written in the action's own transaction.

Rows are append-only. On PostgreSQL a trigger refuses UPDATE and DELETE (migration 0002),
except the SET_NULL that erasing a user or an organization needs; the admin grants no
change or delete permission anywhere.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StaffAction(models.Model):
    class Action(models.TextChoices):
        CREDITS_ADJUST = "credits.adjust", _("Credits adjusted")
        JOB_REFUND = "aigen.job_refund", _("Generation job refunded")
        JOB_RETRY = "aigen.job_retry", _("Generation job queued again")
        ORGANIZATION_SUSPEND = "accounts.organization_suspend", _("Organization suspended")
        ORGANIZATION_UNSUSPEND = "accounts.organization_unsuspend", _("Organization unsuspended")
        SUBSCRIPTION_CHANGE = "billing.subscription_change", _("Subscription changed")
        ORDER_REVIEW = "billing.order_review", _("Order review changed")
        ORDER_RECHECK = "billing.order_recheck", _("Order re-checked with the gateway")
        RELEASE_BY_HAND = "billing.release_by_hand", _("Card check refunded or GoPay account unbound by hand")
        ABUSE_FLAG_RESOLVE = "abuse.flag_resolve", _("Abuse flag resolved")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_email = models.EmailField(blank=True, help_text="Kept when the staff user is deleted.")
    action = models.CharField(max_length=60, choices=Action.choices)
    target_type = models.CharField(max_length=60, help_text="app_label.model of the changed object.")
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_action_target"),
            models.Index(fields=["organization", "-created_at"], name="audit_action_org_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_label or self.target_id}"
