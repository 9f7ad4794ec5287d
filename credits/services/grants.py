"""Credits coming in: a new organization's balance and trial bonus, plan grants, purchases,
staff adjustments and bonus expiry. Each is one ledger row under the balance lock."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core.errors import Forbidden, ValidationFailed

from ..models import CreditBalance, CreditTransaction
from .ledger import Reference, balance_lock, ledger_write, require_amount


def credits_balance_open(*, organization: Organization, owner: User | None = None) -> CreditBalance:
    """The new organization's balance row; a personal organization also gets the trial bonus once."""
    with transaction.atomic():
        balance, _created = CreditBalance.objects.get_or_create(organization=organization)
        if organization.is_personal and settings.TRIAL_BONUS_CREDITS > 0:
            credits_grant_bonus(
                organization=organization,
                amount=settings.TRIAL_BONUS_CREDITS,
                user=owner,
                reference=("trial", str(owner.pk)) if owner else None,
                description=_("Trial bonus"),
            )
            balance.refresh_from_db()
    return balance


def credits_grant(
    *,
    organization: Organization,
    amount: int,
    user: User | None = None,
    reference: Reference = None,
    description: str = "",
) -> CreditTransaction:
    """Main credits given, not bought: a plan's credits for its period."""
    return _credit(
        organization,
        CreditTransaction.Type.GRANT,
        main=amount,
        bonus=0,
        user=user,
        reference=reference,
        description=description,
    )


def credits_grant_bonus(
    *,
    organization: Organization,
    amount: int,
    user: User | None = None,
    reference: Reference = None,
    description: str = "",
) -> CreditTransaction:
    """Bonus credits (the trial's, a promotion's): spent before main credits, and may expire."""
    return _credit(
        organization,
        CreditTransaction.Type.BONUS,
        main=0,
        bonus=amount,
        user=user,
        reference=reference,
        description=description,
    )


def _credit(organization: Organization, type: str, *, main: int, bonus: int, **row) -> CreditTransaction:
    """Add credits of one kind (main or bonus) as one ledger row."""
    require_amount(main or bonus)
    with transaction.atomic():
        balance = balance_lock(organization.pk)
        return ledger_write(balance, type=type, main=main, bonus=bonus, **row)


def credits_purchase(
    *,
    organization: Organization,
    amount: int,
    bonus_amount: int = 0,
    user: User | None = None,
    reference: Reference = None,
    description: str = "",
) -> CreditTransaction:
    """A paid credit pack: `amount` main credits plus `bonus_amount` bonus, as one ledger row."""
    require_amount(amount)
    require_amount(bonus_amount, field="bonus_amount", allow_zero=True)
    with transaction.atomic():
        balance = balance_lock(organization.pk)
        return ledger_write(
            balance,
            type=CreditTransaction.Type.PURCHASE,
            main=amount,
            bonus=bonus_amount,
            user=user,
            reference=reference,
            description=description,
        )


def credits_adjust(*, organization: Organization, amount: int, reason: str, staff_user: User) -> CreditTransaction:
    """A staff correction of the main balance, up or down, with the reason on the ledger row.

    The reason is the row's description, which the organization sees in its ledger.
    """
    if not (staff_user and staff_user.is_active and staff_user.is_staff):
        raise Forbidden(_("Only staff can adjust credits."))
    require_amount(amount, allow_negative=True)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the credits are adjusted."), fields={"reason": [_("This field may not be blank.")]}
        )
    with transaction.atomic():
        balance = balance_lock(organization.pk)
        if balance.balance + amount < 0:
            raise ValidationFailed(
                _("That would leave %(balance)d main credits below zero.") % {"balance": balance.balance},
                fields={"amount": [_("Larger than the main balance.")]},
            )
        return ledger_write(
            balance,
            type=CreditTransaction.Type.ADJUSTMENT,
            main=amount,
            bonus=0,
            user=staff_user,
            reference=None,
            description=reason[:255],
        )


def credits_expire_bonus(
    *, organization: Organization, user: User | None = None, description: str = ""
) -> CreditTransaction | None:
    """Take away all bonus credits left; None (and no row) when there are none."""
    with transaction.atomic():
        balance = balance_lock(organization.pk)
        if balance.bonus_balance == 0:
            return None
        return ledger_write(
            balance,
            type=CreditTransaction.Type.EXPIRY,
            main=0,
            bonus=-balance.bonus_balance,
            user=user,
            reference=None,
            description=description or _("Bonus credits expired"),
        )
