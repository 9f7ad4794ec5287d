"""The ledger's write path: the lock and the two writes behind every change of a balance.

Every change of a balance is one database transaction that locks the organization's
balance row (SELECT ... FOR UPDATE, in balance_lock), changes it and writes exactly one
ledger row (ledger_write), so the invariant of credits.models holds at every commit. Nothing
else writes these rows. Those three statements are written out rather than built by the
ORM on every call: see "The three statements of every change" below for why.

Lock order: each transaction here locks exactly one balance row. Should a future service
ever need two (a transfer), it must lock them in ascending `organization_id` order, in one
`SELECT ... WHERE organization_id IN (...) ORDER BY organization_id FOR UPDATE`.
"""

import functools
from dataclasses import dataclass

from django.db import connection, models
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core.errors import NotFound, ValidationFailed

from ..models import CreditBalance, CreditTransaction

# One change may not exceed this; keeps sums far inside a 64-bit column and catches typos.
MAX_AMOUNT = 1_000_000_000

# What a ledger row points at: a model instance (a generation job, an order) or a (type, id) pair.
Reference = models.Model | tuple[str, str] | None


@dataclass
class LockedBalance:
    """A balance row locked by this transaction, as _write needs it."""

    organization_id: object
    key: object  # organization_id as the database takes it
    balance: int
    bonus_balance: int

    @property
    def total(self) -> int:
        return self.balance + self.bonus_balance


def balance_lock(organization_id) -> LockedBalance:
    """The organization's balance row, locked until the surrounding transaction ends.

    Organizations made before the ledger existed (or outside accounts.services) get their
    row here, at zero; an organization that does not exist is NotFound.
    """
    balance = balance_select_for_update(organization_id)
    if balance is None:
        if organization_id is None or not Organization.objects.filter(pk=organization_id).exists():
            raise NotFound(_("Organization not found."))
        CreditBalance.objects.get_or_create(organization_id=organization_id)  # safe against a racing creator
        balance = balance_select_for_update(organization_id)
    return balance


def ledger_write(
    balance: LockedBalance,
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
    reference_type, reference_id = reference_fields(reference)
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
    sql = statements()
    with connection.cursor() as cursor:
        cursor.execute(
            sql.update,
            [
                balance.balance,
                balance.bonus_balance,
                UPDATED_AT.get_db_prep_save(row.created_at, connection),
                balance.key,
            ],
        )
        cursor.execute(
            sql.insert,
            [field.get_db_prep_save(getattr(row, field.attname), connection) for field in LEDGER_FIELDS],
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

BALANCE_PK = CreditBalance._meta.pk
UPDATED_AT = CreditBalance._meta.get_field("updated_at")
LEDGER_FIELDS = CreditTransaction._meta.concrete_fields
# Integers and text go to the database as they are; only these (UUIDs, datetimes) need their
# field to prepare them for the connection at hand.
AS_IS = {"BigIntegerField", "IntegerField", "CharField"}
LEDGER_PREPARED = [(field.attname, None if field.get_internal_type() in AS_IS else field) for field in LEDGER_FIELDS]


@dataclass(frozen=True)
class Statements:
    lock: str
    update: str
    insert: str


@functools.cache
def statements_for(vendor: str) -> Statements:
    # Identifiers come from model metadata, never from input; every value is a %s parameter.
    quote = connection.ops.quote_name
    balances, ledger = quote(CreditBalance._meta.db_table), quote(CreditTransaction._meta.db_table)
    key, main, bonus = quote(BALANCE_PK.column), quote("balance"), quote("bonus_balance")
    updated_at = quote(UPDATED_AT.column)
    for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
    columns = ", ".join(quote(field.column) for field in LEDGER_FIELDS)
    placeholders = ", ".join(["%s"] * len(LEDGER_FIELDS))
    return Statements(
        lock=f"SELECT {main}, {bonus} FROM {balances} WHERE {key} = %s{for_update}",  # noqa: S608
        update=f"UPDATE {balances} SET {main} = %s, {bonus} = %s, {updated_at} = %s WHERE {key} = %s",  # noqa: S608
        insert=f"INSERT INTO {ledger} ({columns}) VALUES ({placeholders})",  # noqa: S608
    )


def statements() -> Statements:
    return statements_for(connection.vendor)


def balance_select_for_update(organization_id) -> LockedBalance | None:
    key = BALANCE_PK.get_db_prep_save(organization_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(statements().lock, [key])
        locked = cursor.fetchone()
    if locked is None:
        return None
    return LockedBalance(organization_id=organization_id, key=key, balance=locked[0], bonus_balance=locked[1])


def reference_fields(reference: Reference) -> tuple[str, str]:
    if reference is None:
        return "", ""
    if isinstance(reference, tuple):
        reference_type, reference_id = reference
        return str(reference_type)[:60], str(reference_id)[:64]
    return reference._meta.label_lower, str(reference.pk)


def require_amount(amount: object, *, field: str = "amount", allow_zero: bool = False, allow_negative: bool = False):
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
