"""Spending credits on a feature, and refunding a charge exactly once."""

import functools
from dataclasses import dataclass

from django.db import connection, connections, models, transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core.errors import ValidationFailed
from core.sql import bound_cursor, cast_type, insert_parts, saved
from observability import metrics

from ..errors import NoCredits
from ..models import CreditBalance, CreditTransaction
from .ledger import (
    BALANCE_PK,
    LEDGER_FIELDS,
    UPDATED_AT,
    Reference,
    balance_lock,
    ledger_write,
    reference_fields,
    require_amount,
)
from .low_balance import low_balance_crossing_note


@dataclass(frozen=True)
class RefundResult:
    transaction: CreditTransaction
    already_refunded: bool


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
    require_amount(amount)
    usage = CreditTransaction(
        organization_id=organization.pk,
        user=user,
        type=CreditTransaction.Type.USAGE,
        amount=-amount,
        feature=feature[:40],
        description=description[:255],
    )
    usage.reference_type, usage.reference_id = reference_fields(reference)
    if with_row is not None:
        with_row.charge_id = usage.pk
    if connection.vendor == "postgresql":
        charged = _charge_in_one_statement(usage, amount=amount, with_row=with_row)
        if charged is not None:
            metrics.credits_charged(amount=amount, feature=feature[:40])
            low_balance_crossing_note(organization_id=organization.pk, amount=amount, total_after=charged.total_after)
            return charged
        # No balance row yet (an organization made outside accounts.services): the path below opens one.
    with transaction.atomic():
        balance = balance_lock(organization.pk)
        if balance.total < amount:
            raise _no_credits(amount, balance.total)
        from_bonus = min(balance.bonus_balance, amount)
        metrics.credits_charged(amount=amount, feature=feature[:40])
        row = ledger_write(
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
        low_balance_crossing_note(organization_id=organization.pk, amount=amount, total_after=row.total_after)
        return row


def credits_check_enough(*, organization: Organization, amount: int) -> None:
    """Raise NoCredits (402) when the balance cannot pay `amount` now: a read, so that a request
    is refused for its true reason before anything counts it; credits_charge still decides."""
    row = CreditBalance.objects.filter(organization_id=organization.pk).values("balance", "bonus_balance").first()
    remaining = (row["balance"] + row["bonus_balance"]) if row else 0
    if remaining < amount:
        raise _no_credits(amount, remaining)


def _no_credits(amount: int, remaining: int) -> NoCredits:
    return NoCredits(
        _("Not enough credits: this needs %(amount)d and %(remaining)d are left. Buy credits at /billing/.")
        % {"amount": amount, "remaining": remaining},
        remainingCredits=remaining,
        creditsNeeded=amount,
        upgradeUrl="/billing/",
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
        balance = balance_lock(stored.organization_id)
        existing = CreditTransaction.objects.filter(refund_of=stored).first()
        if existing is not None:
            return RefundResult(transaction=existing, already_refunded=True)
        refund = ledger_write(
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
    key, main, bonus = quote(BALANCE_PK.column), quote("balance"), quote("bonus_balance")
    updated_at = quote(UPDATED_AT.column)
    columns, values = [], []
    for field in LEDGER_FIELDS:
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
    return _ChargeStatement(sql=sql, tail=tail, fields=list(LEDGER_FIELDS))


def _charge_in_one_statement(
    usage: CreditTransaction, *, amount: int, with_row: models.Model | None
) -> CreditTransaction | None:
    """Charge as one statement; None (and nothing written) when the organization has no
    balance row yet. NoCredits when the balance is short."""
    db = connections[connection.alias]  # the connection itself, not the thread-local proxy
    statement = _charge_statement_for(db.vendor)
    key = BALANCE_PK.get_db_prep_save(usage.organization_id, db)
    now = UPDATED_AT.get_db_prep_save(usage.created_at, db)
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
