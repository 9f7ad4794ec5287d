"""Pieces for the few statements written by hand on hot paths (credits' charge, aigen's story).

The ORM compiles every INSERT again on each call (~0.3 ms of CPU here); these helpers give the
same columns and values from the model's own metadata and fields, so a hand-written statement
stays in step with the model (a new column is in it without anyone editing SQL).
"""

import functools
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections, models


@dataclass(frozen=True)
class InsertParts:
    table: str  # quoted
    columns: str  # quoted, comma-separated
    placeholders: str  # "%s::type, ..." in the columns' order
    params: list


def insert_parts(instance: models.Model, connection, *, cast: bool = False) -> InsertParts:
    """The table, columns and prepared values of an unsaved instance, as Model.save() would
    insert them (pre_save runs: auto_now and auto_now_add fields get their time).

    `cast` adds each column's type to its placeholder, for values in a SELECT list (an
    `INSERT ... SELECT`), where PostgreSQL cannot infer a parameter's type from the column.
    """
    connection = connections[connection.alias]  # the connection itself, not the thread-local proxy
    shape = _insert_shape(type(instance), connection.alias, instance.pk is None)
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in shape.fields]
    return InsertParts(
        table=shape.table,
        columns=shape.columns,
        placeholders=shape.cast_placeholders if cast else shape.placeholders,
        params=params,
    )


@dataclass(frozen=True)
class _InsertShape:
    fields: list
    table: str
    columns: str
    placeholders: str
    cast_placeholders: str


@functools.cache
def _insert_shape(model: type[models.Model], alias: str, pk_unset: bool) -> _InsertShape:
    # What does not change between calls, worked out once per model and database.
    opts = model._meta
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [
        field
        for field in opts.local_concrete_fields
        if not getattr(field, "generated", False) and not (field is opts.auto_field and pk_unset)
    ]
    return _InsertShape(
        fields=fields,
        table=quote(opts.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        placeholders=", ".join(["%s"] * len(fields)),
        cast_placeholders=", ".join(f"%s::{cast_type(field, connection)}" for field in fields),
    )


def cast_type(field: models.Field, connection) -> str:
    """The type to cast a parameter to before it goes into `field`'s column. Lengths are left
    off (varchar(40) -> varchar): an explicit cast would cut a long value silently, while the
    column's own assignment cast refuses it, as an ORM insert does."""
    cast = field.cast_db_type(connection)
    return cast.split("(", 1)[0] if cast.startswith("varchar") else cast


@contextmanager
def bound_cursor(db):
    """A cursor on `db` that sends the parameters apart from the statement (server-side binding).

    Django's PostgreSQL connection binds client-side: psycopg quotes every value into the
    statement's text in Python (~4 % of a story's CPU for its two statements of ~75 values),
    and PostgreSQL parses and plans the text on every call. A statement written for this
    cursor (placeholders where PostgreSQL can type them, casts elsewhere) is sent apart from
    its values and, with DATABASE_PREPARED_STATEMENTS on (settings), prepared at its second
    run on a connection. Same connection and transaction; Django's wrappers (query logging,
    execute_wrapper) still apply. PostgreSQL only, as the statements written for it are.
    """
    db.ensure_connection()
    with db.wrap_database_errors:
        raw = _server_binding_cursor_class()(db.connection)
    with db._prepare_cursor(raw) as cursor:  # Django's own wrapping of a new cursor
        yield cursor


@functools.cache
def _server_binding_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def _send_query_prepared(self, name, pgq, **kwargs):
            # psycopg leaves the cursor's query unset when it runs a prepared statement; Django's
            # query log (DEBUG, CaptureQueriesContext) reads it, and would show None.
            self._query = pgq
            super()._send_query_prepared(name, pgq, **kwargs)

    return PreparingCursor


def saved(instance: models.Model, connection) -> models.Model:
    """Mark an instance inserted by hand as saved, as Model.save() would."""
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance
