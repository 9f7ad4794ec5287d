"""Reads of the ledger, balances and trials. Nothing here writes or creates rows."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organization, User

from .hooks import Tier, organization_has_paid_plan
from .models import CreditBalance, CreditTransaction, TrialUsage


@dataclass(frozen=True)
class CreditSummary:
    balance: int
    bonus_balance: int

    @property
    def total(self) -> int:
        return self.balance + self.bonus_balance


@dataclass(frozen=True)
class TrialSummary:
    """`active`: the trial period is running and the organization is not on a paid plan.

    Whether a generation may still use it also needs `used < max` (services.trial_slot_take).
    """

    used: int
    max: int
    ends_at: datetime | None
    active: bool


@dataclass(frozen=True)
class LedgerDrift:
    organization_id: uuid.UUID
    organization_name: str
    balance: int
    bonus_balance: int
    ledger_main: int
    ledger_bonus: int

    @property
    def difference(self) -> int:
        """What the balance row holds beyond what its ledger adds up to."""
        return (self.balance + self.bonus_balance) - (self.ledger_main + self.ledger_bonus)


def credits_summary_get(*, organization: Organization) -> CreditSummary:
    """An organization's balances; zero for one whose balance row does not exist yet."""
    row = CreditBalance.objects.filter(organization_id=organization.pk).values("balance", "bonus_balance").first()
    return CreditSummary(**row) if row else CreditSummary(balance=0, bonus_balance=0)


def credits_transaction_list(
    *,
    organization: Organization,
    type: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[CreditTransaction]:
    """The organization's ledger, newest first. Dates are whole days, both ends included,
    in the project's time zone (Asia/Jakarta): what a person picking dates means."""
    queryset = CreditTransaction.objects.filter(organization_id=organization.pk)
    if type:
        queryset = queryset.filter(type=type)
    if date_from:
        queryset = queryset.filter(created_at__gte=_start_of_day(date_from))
    if date_to and date_to < date.max:  # date.max has no next day: no upper bound then
        queryset = queryset.filter(created_at__lt=_start_of_day(date_to + timedelta(days=1)))
    return queryset.order_by("-created_at", "-id")


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def trial_summary_get(*, user: User, organization: Organization | None = None) -> TrialSummary:
    """The user's trial as /api/me and /api/credits/ show it."""
    trial = TrialUsage.objects.filter(user_id=user.pk).first()
    if trial is None:
        return TrialSummary(used=0, max=0, ends_at=None, active=False)
    return TrialSummary(
        used=trial.used,
        max=trial.max_generations,
        ends_at=trial.ends_at,
        active=trial.ends_at > timezone.now() and not trial_exempt(organization=organization),
    )


def trial_exempt(*, organization: Organization | None, tier: Tier | None = None) -> bool:
    """An organization on a paid plan is not on trial; billing says which (credits.hooks).
    `tier`: the organization's, when the caller has already looked it up."""
    return organization is not None and organization_has_paid_plan(organization, tier)


def credits_audit_drift() -> list[LedgerDrift]:
    """Organizations whose balance row disagrees with the sum of their ledger, or is negative.

    One aggregate query over every organization (no query per organization). A missing
    balance row counts as zero, so a ledger without a balance row is reported too.
    """
    # Only plain columns are selected and grouped; the COALESCEs live in HAVING alone. With
    # a parameter (the 0) in a grouped expression, PostgreSQL under server-side binding
    # cannot match HAVING to GROUP BY and refuses the query.
    drifting = (
        Organization.objects.annotate(
            held_main=F("credit_balance__balance"),
            held_bonus=F("credit_balance__bonus_balance"),
            ledger_main=Sum("credit_transactions__main_amount"),
            ledger_bonus=Sum("credit_transactions__bonus_amount"),
        )
        .alias(
            held_main_or_0=Coalesce("held_main", Value(0)),
            held_bonus_or_0=Coalesce("held_bonus", Value(0)),
            ledger_main_or_0=Coalesce("ledger_main", Value(0)),
            ledger_bonus_or_0=Coalesce("ledger_bonus", Value(0)),
        )
        .filter(
            Q(held_main__lt=0)
            | Q(held_bonus__lt=0)
            | ~Q(ledger_main_or_0=F("held_main_or_0"))
            | ~Q(ledger_bonus_or_0=F("held_bonus_or_0"))
        )
        .order_by("name", "id")
        .values_list("id", "name", "held_main", "held_bonus", "ledger_main", "ledger_bonus")
    )
    return [
        LedgerDrift(organization_id, name, *(amount or 0 for amount in amounts))
        for organization_id, name, *amounts in drifting
    ]


def credits_used_by_member(*, organization: Organization, since: datetime) -> list[dict]:
    """Credits each member spent since `since`, net of refunds: [{user_id, email, name, used}],
    most first. Members who spent nothing are listed with 0; former members keep their rows."""
    # A refund counts for whoever made the charge it gives back (the refund row's own user is
    # whoever refunded it: often nobody, the sweeper).
    spender = Coalesce("refund_of__user_id", "user_id")
    spent = dict(
        CreditTransaction.objects.filter(
            organization_id=organization.pk,
            created_at__gte=since,
            type__in=[CreditTransaction.Type.USAGE, CreditTransaction.Type.REFUND],
        )
        .annotate(spender=spender)
        .values("spender")
        .annotate(net=Sum("amount"))
        .values_list("spender", "net")
    )
    rows = [
        {"user_id": m.user_id, "email": m.user.email, "name": m.user.name, "used": -(spent.pop(m.user_id, 0) or 0)}
        for m in Membership.objects.filter(organization_id=organization.pk).select_related("user")
    ]
    rows += [{"user_id": user_id, "email": "", "name": "", "used": -(net or 0)} for user_id, net in spent.items()]
    return sorted(rows, key=lambda row: (-row["used"], row["email"]))


# Features are "<kind>_<quality>" (aigen's generation kinds); the labels say them in words.
FEATURE_KIND_LABELS = {"story": _("Story"), "image": _("Image"), "video": _("Video"), "animatic": _("Animatic")}
FEATURE_QUALITY_LABELS = {"fast": _("fast"), "premium": _("premium")}


def ledger_description_display(row: CreditTransaction) -> str:
    """A ledger row's description in the reader's language, from what the row is (its type,
    feature and reference), not from the text stored in whatever language its writer spoke; a
    staff adjustment's reason stays as staff wrote it."""
    kinds = CreditTransaction.Type
    if row.type in (kinds.USAGE, kinds.REFUND) and row.feature:
        kind, _sep, quality = row.feature.partition("_")
        what = _("%(kind)s (%(quality)s)") % {
            "kind": FEATURE_KIND_LABELS.get(kind, kind),
            "quality": FEATURE_QUALITY_LABELS.get(quality, quality),
        }
        return what if row.type == kinds.USAGE else _("Refund: %(what)s") % {"what": what}
    if row.type == kinds.BONUS and row.reference_type == "trial":
        return str(_("Trial bonus"))
    if row.type == kinds.GRANT and row.reference_type.endswith("order"):
        return str(_("Plan credits for the period"))
    if row.type == kinds.PURCHASE:
        return str(_("Credit pack bought"))
    if row.type == kinds.EXPIRY:
        return str(_("Bonus credits expired"))
    return row.description
