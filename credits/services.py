"""Writes to the credit ledger and to trial usage.

Every change of a balance is one database transaction that locks the organization's
balance row (SELECT ... FOR UPDATE, in _balance_lock), changes it and writes exactly one
ledger row (_write), so the invariant of credits.models holds at every commit. Nothing
else writes these rows. Those three statements are written out rather than built by the
ORM on every call: see "The three statements of every change" below for why.

Lock order: each transaction here locks exactly one balance row. Should a future service
ever need two (a transfer), it must lock them in ascending `organization_id` order, in one
`SELECT ... WHERE organization_id IN (...) ORDER BY organization_id FOR UPDATE`.
"""

import functools
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, connections, models, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core.errors import Forbidden, NotFound, ValidationFailed
from core.sql import bound_cursor, cast_type, insert_parts, saved
from observability import metrics

from .errors import NoCredits, TrialLimitReached
from .models import CreditBalance, CreditTransaction, TrialUsage
from .selectors import LedgerDrift

# One change may not exceed this; keeps sums far inside a 64-bit column and catches typos.
MAX_AMOUNT = 1_000_000_000
UPGRADE_URL = "/billing/"

# What a ledger row points at: a model instance (a generation job, an order) or a (type, id) pair.
Reference = models.Model | tuple[str, str] | None


@dataclass(frozen=True)
class RefundResult:
    transaction: CreditTransaction
    already_refunded: bool


# --- Ledger ---------------------------------------------------------------------------


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


def credits_charge(
    *,
    organization: Organization,
    amount: int,
    feature: str,
    user: User | None = None,
    reference: Reference = None,
    description: str = "",
    with_row: models.Model | None = None,
) -> CreditTransaction:
    """Spend `amount` credits, bonus first, then main; returns the `usage` row.

    Not enough credits changes nothing and raises NoCredits (402) with `remainingCredits`.
    `with_row`: an unsaved row of a higher app (a generation job) that must exist exactly when
    the charge does; its `charge_id` gets the charge's id and it is inserted in the same
    transaction (on PostgreSQL, in the charge's own single statement).
    """
    _require_amount(amount)
    usage = CreditTransaction(
        organization_id=organization.pk,
        user=user,
        type=CreditTransaction.Type.USAGE,
        amount=-amount,
        feature=feature[:40],
        description=description[:255],
    )
    usage.reference_type, usage.reference_id = _reference_fields(reference)
    if with_row is not None:
        with_row.charge_id = usage.pk
    if connection.vendor == "postgresql":
        charged = _charge_in_one_statement(usage, amount=amount, with_row=with_row)
        if charged is not None:
            metrics.credits_charged(amount=amount, feature=feature[:40])
            return charged
        # No balance row yet (an organization made outside accounts.services): the path below opens one.
    with transaction.atomic():
        balance = _balance_lock(organization.pk)
        if balance.total < amount:
            raise _no_credits(amount, balance.total)
        from_bonus = min(balance.bonus_balance, amount)
        metrics.credits_charged(amount=amount, feature=feature[:40])
        row = _write(
            balance,
            type=CreditTransaction.Type.USAGE,
            main=-(amount - from_bonus),
            bonus=-from_bonus,
            user=user,
            reference=reference,
            feature=feature[:40],
            description=description,
            pk=usage.pk,
        )
        if with_row is not None:
            with_row.save(force_insert=True)
        return row


def _no_credits(amount: int, remaining: int) -> NoCredits:
    return NoCredits(
        _("Not enough credits: this needs %(amount)d and %(remaining)d are left.")
        % {"amount": amount, "remaining": remaining},
        remainingCredits=remaining,
    )


def credits_refund(*, charge: CreditTransaction, user: User | None = None, description: str = "") -> RefundResult:
    """Give back exactly what `charge` took, main and bonus parts alike, at most once.

    A second refund of the same charge writes nothing and answers `already_refunded=True`.
    The refund restores bonus credits as bonus even if bonus has expired since the charge:
    the customer gets back what they paid with.
    """
    stored = (
        CreditTransaction.objects.filter(pk=charge.pk, type=CreditTransaction.Type.USAGE).first() if charge.pk else None
    )
    if stored is None:
        raise ValidationFailed(_("Only a charge can be refunded."), fields={"charge": [_("Not a charge.")]})
    with transaction.atomic():
        # The balance lock serializes refunds of one organization, so this read is decisive;
        # the unique `refund_of` constraint is the database's guarantee behind it.
        balance = _balance_lock(stored.organization_id)
        existing = CreditTransaction.objects.filter(refund_of=stored).first()
        if existing is not None:
            return RefundResult(transaction=existing, already_refunded=True)
        refund = _write(
            balance,
            type=CreditTransaction.Type.REFUND,
            main=-stored.main_amount,
            bonus=-stored.bonus_amount,
            user=user,
            reference=(stored.reference_type, stored.reference_id),
            feature=stored.feature,
            description=description or _("Refund"),
            refund_of=stored,
        )
    metrics.credits_refunded(amount=refund.amount, feature=stored.feature)
    return RefundResult(transaction=refund, already_refunded=False)


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
    _require_amount(main or bonus)
    with transaction.atomic():
        balance = _balance_lock(organization.pk)
        return _write(balance, type=type, main=main, bonus=bonus, **row)


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
    _require_amount(amount)
    _require_amount(bonus_amount, field="bonus_amount", allow_zero=True)
    with transaction.atomic():
        balance = _balance_lock(organization.pk)
        return _write(
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
    _require_amount(amount, allow_negative=True)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the credits are adjusted."), fields={"reason": [_("This field may not be blank.")]}
        )
    with transaction.atomic():
        balance = _balance_lock(organization.pk)
        if balance.balance + amount < 0:
            raise ValidationFailed(
                _("That would leave %(balance)d main credits below zero.") % {"balance": balance.balance},
                fields={"amount": [_("Larger than the main balance.")]},
            )
        return _write(
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
        balance = _balance_lock(organization.pk)
        if balance.bonus_balance == 0:
            return None
        return _write(
            balance,
            type=CreditTransaction.Type.EXPIRY,
            main=0,
            bonus=-balance.bonus_balance,
            user=user,
            reference=None,
            description=description or _("Bonus credits expired"),
        )


@dataclass
class _LockedBalance:
    """A balance row locked by this transaction, as _write needs it."""

    organization_id: object
    key: object  # organization_id as the database takes it
    balance: int
    bonus_balance: int

    @property
    def total(self) -> int:
        return self.balance + self.bonus_balance


def _balance_lock(organization_id) -> _LockedBalance:
    """The organization's balance row, locked until the surrounding transaction ends.

    Organizations made before the ledger existed (or outside accounts.services) get their
    row here, at zero; an organization that does not exist is NotFound.
    """
    balance = _balance_select_for_update(organization_id)
    if balance is None:
        if organization_id is None or not Organization.objects.filter(pk=organization_id).exists():
            raise NotFound(_("Organization not found."))
        CreditBalance.objects.get_or_create(organization_id=organization_id)  # safe against a racing creator
        balance = _balance_select_for_update(organization_id)
    return balance


def _write(
    balance: _LockedBalance,
    *,
    type: str,
    main: int,
    bonus: int,
    user: User | None,
    reference: Reference,
    description: str,
    feature: str = "",
    refund_of: CreditTransaction | None = None,
    pk=None,
) -> CreditTransaction:
    """Apply one change to a locked balance and write its ledger row: one UPDATE, one INSERT."""
    reference_type, reference_id = _reference_fields(reference)
    balance.balance += main
    balance.bonus_balance += bonus
    row = CreditTransaction(
        **({"pk": pk} if pk is not None else {}),
        organization_id=balance.organization_id,
        user=user,
        type=type,
        amount=main + bonus,
        main_amount=main,
        bonus_amount=bonus,
        balance_after=balance.balance,
        bonus_balance_after=balance.bonus_balance,
        feature=feature,
        reference_type=reference_type,
        reference_id=reference_id,
        description=description[:255],
        refund_of=refund_of,
    )
    statements = _statements()
    with connection.cursor() as cursor:
        cursor.execute(
            statements.update,
            [
                balance.balance,
                balance.bonus_balance,
                _UPDATED_AT.get_db_prep_save(row.created_at, connection),
                balance.key,
            ],
        )
        cursor.execute(
            statements.insert,
            [field.get_db_prep_save(getattr(row, field.attname), connection) for field in _LEDGER_FIELDS],
        )
    row._state.adding = False
    row._state.db = connection.alias
    return row


# --- The three statements of every change ---------------------------------------------
# SELECT ... FOR UPDATE (what select_for_update() emits), UPDATE, INSERT, written out once
# instead of compiled by the ORM on every call. The ORM spent ~0.75 ms of CPU per charge
# against ~0.35-0.4 ms for these; on 2 cores that was half the throughput (bench/README.md).
# They go through Django's connection, so atomic(), test rollbacks and SQLite (which has
# no FOR UPDATE and needs none: it lets one writer in at a time) work as with the ORM.
# Column names come from the models, and values are prepared by the models' own fields.

_BALANCE_PK = CreditBalance._meta.pk
_UPDATED_AT = CreditBalance._meta.get_field("updated_at")
_LEDGER_FIELDS = CreditTransaction._meta.concrete_fields
# Integers and text go to the database as they are; only these (UUIDs, datetimes) need their
# field to prepare them for the connection at hand.
_AS_IS = {"BigIntegerField", "IntegerField", "CharField"}
_LEDGER_PREPARED = [(field.attname, None if field.get_internal_type() in _AS_IS else field) for field in _LEDGER_FIELDS]


@dataclass(frozen=True)
class _Statements:
    lock: str
    update: str
    insert: str


@functools.cache
def _statements_for(vendor: str) -> _Statements:
    # Identifiers come from model metadata, never from input; every value is a %s parameter.
    quote = connection.ops.quote_name
    balances, ledger = quote(CreditBalance._meta.db_table), quote(CreditTransaction._meta.db_table)
    key, main, bonus = quote(_BALANCE_PK.column), quote("balance"), quote("bonus_balance")
    updated_at = quote(_UPDATED_AT.column)
    for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
    columns = ", ".join(quote(field.column) for field in _LEDGER_FIELDS)
    placeholders = ", ".join(["%s"] * len(_LEDGER_FIELDS))
    return _Statements(
        lock=f"SELECT {main}, {bonus} FROM {balances} WHERE {key} = %s{for_update}",  # noqa: S608
        update=f"UPDATE {balances} SET {main} = %s, {bonus} = %s, {updated_at} = %s WHERE {key} = %s",  # noqa: S608
        insert=f"INSERT INTO {ledger} ({columns}) VALUES ({placeholders})",  # noqa: S608
    )


def _statements() -> _Statements:
    return _statements_for(connection.vendor)


# --- A charge in one statement (PostgreSQL) ---------------------------------------------
# The same lock, UPDATE and INSERT as above, plus the caller's row (a generation job), as one
# statement with data-modifying CTEs: one round trip instead of BEGIN, SAVEPOINT, SELECT ...
# FOR UPDATE, UPDATE, INSERT, RELEASE, INSERT, COMMIT. Alone it commits (autocommit); inside
# a caller's atomic() it is part of that transaction. `locked` takes the row lock and reads
# the newest balance (READ COMMITTED re-reads a row changed by a transaction it waited
# for); the UPDATE computes from those values, never from the statement's older snapshot.


@dataclass(frozen=True)
class _ChargeStatement:
    sql: str  # up to and including the ledger INSERT; then optionally `attached`, then `tail`
    tail: str
    fields: list  # the ledger's fields, in the order of the INSERT's columns


# Ledger columns whose values come from the UPDATE's RETURNING (c); the rest are parameters.
_FROM_CHANGED = {
    "main_amount": "(c.from_bonus - %s::bigint)",  # -(amount - from_bonus)
    "bonus_amount": "(0 - c.from_bonus)",
    "balance_after": "c.{main}",
    "bonus_balance_after": "c.{bonus}",
}


@functools.cache
def _charge_statement_for(vendor: str) -> _ChargeStatement:
    # Identifiers come from model metadata, never from input; every value is a %s parameter.
    quote = connection.ops.quote_name
    balances, ledger = quote(CreditBalance._meta.db_table), quote(CreditTransaction._meta.db_table)
    key, main, bonus = quote(_BALANCE_PK.column), quote("balance"), quote("bonus_balance")
    updated_at = quote(_UPDATED_AT.column)
    columns, values = [], []
    for field in _LEDGER_FIELDS:
        columns.append(quote(field.column))
        if field.attname in _FROM_CHANGED:
            values.append(_FROM_CHANGED[field.attname].format(main=main, bonus=bonus))
        else:
            values.append(f"%s::{cast_type(field, connection)}")
    sql = (
        f"WITH locked AS (SELECT {main}, {bonus} FROM {balances} WHERE {key} = %s FOR UPDATE), "  # noqa: S608
        f"changed AS (UPDATE {balances} AS b SET {main} = l.{main} - (%s - LEAST(l.{bonus}, %s)), "
        f"{bonus} = l.{bonus} - LEAST(l.{bonus}, %s), {updated_at} = %s FROM locked AS l "
        f"WHERE b.{key} = %s AND l.{main} + l.{bonus} >= %s "
        f"RETURNING b.{main}, b.{bonus}, LEAST(l.{bonus}, %s) AS from_bonus), "
        f"ledger AS (INSERT INTO {ledger} ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM changed AS c RETURNING 1)"
    )
    tail = f" SELECT l.{main}, l.{bonus}, c.{main}, c.{bonus}, c.from_bonus FROM locked AS l LEFT JOIN changed AS c ON TRUE"  # noqa: S608, E501
    return _ChargeStatement(sql=sql, tail=tail, fields=list(_LEDGER_FIELDS))


def _charge_in_one_statement(
    usage: CreditTransaction, *, amount: int, with_row: models.Model | None
) -> CreditTransaction | None:
    """Charge as one statement; None (and nothing written) when the organization has no
    balance row yet. NoCredits when the balance is short."""
    db = connections[connection.alias]  # the connection itself, not the thread-local proxy
    statement = _charge_statement_for(db.vendor)
    key = _BALANCE_PK.get_db_prep_save(usage.organization_id, db)
    now = _UPDATED_AT.get_db_prep_save(usage.created_at, db)
    params = [key, amount, amount, amount, now, key, amount, amount]
    for field in statement.fields:
        if field.attname == "main_amount":
            params.append(amount)
        elif field.attname not in _FROM_CHANGED:
            params.append(field.get_db_prep_save(getattr(usage, field.attname), db))
    sql = statement.sql
    if with_row is not None:
        row = insert_parts(with_row, db, cast=True)
        sql += f", attached AS (INSERT INTO {row.table} ({row.columns}) SELECT {row.placeholders} FROM ledger)"  # noqa: S608
        params += row.params
    with bound_cursor(db) as cursor:
        cursor.execute(sql + statement.tail, params)
        found = cursor.fetchone()
    if found is None:
        return None
    if found[2] is None:
        raise _no_credits(amount, found[0] + found[1])
    from_bonus = found[4]
    usage.main_amount, usage.bonus_amount = -(amount - from_bonus), -from_bonus
    usage.balance_after, usage.bonus_balance_after = found[2], found[3]
    if with_row is not None:
        saved(with_row, db)
    return saved(usage, db)


def _balance_select_for_update(organization_id) -> _LockedBalance | None:
    key = _BALANCE_PK.get_db_prep_save(organization_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(_statements().lock, [key])
        locked = cursor.fetchone()
    if locked is None:
        return None
    return _LockedBalance(organization_id=organization_id, key=key, balance=locked[0], bonus_balance=locked[1])


def _reference_fields(reference: Reference) -> tuple[str, str]:
    if reference is None:
        return "", ""
    if isinstance(reference, tuple):
        reference_type, reference_id = reference
        return str(reference_type)[:60], str(reference_id)[:64]
    return reference._meta.label_lower, str(reference.pk)


def _require_amount(amount: object, *, field: str = "amount", allow_zero: bool = False, allow_negative: bool = False):
    """A whole number of credits within MAX_AMOUNT; positive unless said otherwise."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed(
            _("The amount must be a whole number of credits."), fields={field: [_("A whole number is required.")]}
        )
    if abs(amount) > MAX_AMOUNT:
        raise ValidationFailed(
            _("The amount is too large."), fields={field: [_("At most %(max)d.") % {"max": MAX_AMOUNT}]}
        )
    if amount == 0 and not allow_zero:
        raise ValidationFailed(_("The amount cannot be zero."), fields={field: [_("Must not be zero.")]})
    if amount < 0 and not allow_negative:
        raise ValidationFailed(_("The amount must be positive."), fields={field: [_("Must be positive.")]})


# --- Trial ----------------------------------------------------------------------------


def trial_start(*, user: User) -> TrialUsage:
    """The user's trial: TRIAL_MAX_GENERATIONS successful generations until TRIAL_DAYS after signup."""
    trial, _created = TrialUsage.objects.get_or_create(
        user=user,
        defaults={
            "max_generations": settings.TRIAL_MAX_GENERATIONS,
            "ends_at": user.date_joined + timedelta(days=settings.TRIAL_DAYS),
        },
    )
    return trial


def trial_slot_take(*, user: User) -> None:
    """Take one of the user's trial generations before generating, or raise TrialLimitReached (403).

    One conditional UPDATE decides; two requests racing for the last slot cannot both win.
    Whether the trial applies at all (an organization on a paid plan is not on trial) is the
    caller's question: see selectors.trial_applies.
    """
    taken = TrialUsage.objects.filter(user_id=user.pk, used__lt=F("max_generations"), ends_at__gt=Now()).update(
        used=F("used") + 1, updated_at=Now()
    )
    if not taken:
        raise TrialLimitReached(
            _("Your free trial is over. Choose a plan or buy credits to keep creating."), upgradeUrl=UPGRADE_URL
        )


def trial_slot_release(*, user: User) -> None:
    """Give back a slot taken for a generation that failed; also after the trial ended."""
    TrialUsage.objects.filter(user_id=user.pk, used__gt=0).update(used=F("used") - 1, updated_at=Now())


# --- Audit ----------------------------------------------------------------------------


def credits_drift_alert_send(*, drifts: list[LedgerDrift]) -> None:
    """Email STAFF_ALERT_EMAILS and every active staff user about organizations that drift."""
    recipients = set(settings.STAFF_ALERT_EMAILS)
    recipients.update(User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True))
    if not recipients:
        return
    lines = [
        f"{drift.organization_name} ({drift.organization_id}): balance {drift.balance} + bonus "
        f"{drift.bonus_balance}, ledger {drift.ledger_main} + {drift.ledger_bonus} (difference {drift.difference:+d})"
        for drift in drifts
    ]
    send_mail(
        subject=f"[MODO] Credit ledger drift in {len(drifts)} organization(s)",
        message="The daily credits_audit found balances that do not match their ledger:\n\n"
        + "\n".join(lines)
        + "\n\nRun `python manage.py credits_audit` to see the current state.",
        from_email=None,
        recipient_list=sorted(recipients),
    )
