"""The credit ledger: one balance row per organization, an append-only ledger, trial usage
per user and idempotency records for the AI POST endpoints.

Invariant, per organization, at every commit (checked by `manage.py credits_audit`):
    balance == sum(ledger.main_amount) and bonus_balance == sum(ledger.bonus_amount),
so balance + bonus_balance == sum(ledger.amount). Only credits.services writes these rows.
"""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class CreditBalance(models.Model):
    """What an organization can spend now: `balance` (main) and `bonus_balance`, never negative.

    Changed only under a row lock (select_for_update) together with one ledger row.
    """

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, primary_key=True, related_name="credit_balance"
    )
    balance = models.BigIntegerField(default=0)
    bonus_balance = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="credit_balance_main_not_negative"),
            models.CheckConstraint(condition=Q(bonus_balance__gte=0), name="credit_balance_bonus_not_negative"),
        ]
        permissions = [("adjust_credits", "Can adjust an organization's credits")]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.balance} + {self.bonus_balance} bonus"

    @property
    def total(self) -> int:
        return self.balance + self.bonus_balance


class CreditTransaction(models.Model):
    """One change of a balance. Immutable: corrections are new rows.

    On PostgreSQL a trigger (migration 0002) refuses UPDATE and DELETE, with one exception:
    when a user is deleted, their rows keep everything but `user` (on_delete=SET_NULL).
    The organization is PROTECTed: an organization with a ledger is never hard-deleted.
    """

    class Type(models.TextChoices):
        GRANT = "grant", _("Grant")
        PURCHASE = "purchase", _("Purchase")
        BONUS = "bonus", _("Bonus")
        USAGE = "usage", _("Usage")
        REFUND = "refund", _("Refund")
        ADJUSTMENT = "adjustment", _("Adjustment")
        EXPIRY = "expiry", _("Expiry")

    # Opaque: ledger rows are shown to customers, and a sequence would reveal volumes.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: (organization, created_at) below serves every lookup by organization.
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="credit_transactions", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="credit_transactions",
        help_text="Who caused the change; for an adjustment, the staff member who made it.",
    )
    type = models.CharField(max_length=12, choices=Type.choices)
    amount = models.BigIntegerField(help_text="Signed: what the total changed by.")
    main_amount = models.BigIntegerField(default=0, help_text="The part of `amount` in the main balance.")
    bonus_amount = models.BigIntegerField(default=0, help_text="The part of `amount` in the bonus balance.")
    balance_after = models.BigIntegerField()
    bonus_balance_after = models.BigIntegerField()
    feature = models.CharField(max_length=40, blank=True, help_text="For usage: what was paid for (story_fast...).")
    reference_type = models.CharField(max_length=60, blank=True)
    reference_id = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=255, blank=True)
    # Unique (one-to-one): a charge has at most one refund, whatever races happen.
    refund_of = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="refund")
    # A default rather than auto_now_add, so an import (or a test) can write a row's real time.
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="credit_tx_org_created"),
            # Staff analytics: credits spent over a time range (usage rows less their refunds),
            # covering, so those queries never read the ledger table itself.
            models.Index(
                fields=["created_at"],
                include=["id", "feature", "amount", "organization"],
                condition=Q(type="usage"),
                name="credit_tx_usage_created",
            ),
            models.Index(
                fields=["created_at"],
                include=["refund_of"],
                condition=Q(type="refund"),
                name="credit_tx_refund_created",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=F("main_amount") + F("bonus_amount")), name="credit_tx_amount_is_its_parts"
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0, bonus_balance_after__gte=0), name="credit_tx_after_not_negative"
            ),
            models.CheckConstraint(
                condition=(
                    Q(type__in=["grant", "purchase", "bonus", "refund"], amount__gt=0)
                    | Q(type__in=["usage", "expiry"], amount__lt=0)
                    | (Q(type="adjustment") & ~Q(amount=0))
                ),
                name="credit_tx_amount_sign_fits_type",
            ),
            models.CheckConstraint(
                condition=Q(refund_of__isnull=True) | Q(type="refund"), name="credit_tx_refund_of_only_refunds"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.amount:+d} ({self.organization_id})"

    @property
    def total_after(self) -> int:
        return self.balance_after + self.bonus_balance_after


class TrialUsage(TimeStampedModel):
    """A user's trial: at most `max_generations` successful generations until `ends_at`.

    `used` only moves through one conditional UPDATE (services.trial_slot_take), never
    read-then-write. Staff may extend `ends_at` or `max_generations` for one person in admin.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="trial_usage"
    )
    used = models.IntegerField(default=0)
    max_generations = models.IntegerField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(used__gte=0), name="trial_usage_used_not_negative"),
            models.CheckConstraint(condition=Q(max_generations__gte=0), name="trial_usage_max_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.used}/{self.max_generations} until {self.ends_at:%Y-%m-%d}"


class IdempotencyRecord(models.Model):
    """The first response to an `Idempotency-Key`, kept until `expires_at` (24 h).

    Scoped to an organization (or to a user for calls made without one), a key and an
    endpoint. The unique constraints, not a read before the write, decide which of two
    simultaneous first requests proceeds.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the request body as canonical JSON.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "endpoint", "key"],
                condition=Q(organization__isnull=False),
                name="idempotency_org_endpoint_key_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "endpoint", "key"],
                condition=Q(organization__isnull=True),
                name="idempotency_user_endpoint_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(user__isnull=False), name="idempotency_has_a_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key} ({self.status})"
