"""The web's connection pool (DATABASE_POOL_MAX_SIZE: core.postgresql, core.dbpool): a
connection that sat in the pool is checked before it is handed out; one handed out a moment ago
goes out as it is, without the round trip of a check."""

import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection

from core.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


@contextmanager
def pooled():
    """A pool of one connection to the test database, as the web server's settings make it."""
    options = {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1, "timeout": 5}}
    settings_dict = {**connection.settings_dict, "ENGINE": "core.postgresql", "CONN_MAX_AGE": 0, "OPTIONS": options}
    database = DatabaseWrapper(settings_dict, alias="pool_test")
    try:
        yield database
    finally:
        database.close()
        database.close_pool()


def _backend(database) -> int:
    """One request's use: borrow, query, give back."""
    try:
        with database.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    finally:
        database.close()


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.1)  # the server closes it


def test_a_connection_that_died_while_idle_in_the_pool_is_replaced_before_a_request_gets_it(settings):
    settings.DATABASE_POOL_CHECK_AFTER_SECONDS = 0.2
    with pooled() as database:
        first = _backend(database)
        _terminate(first)  # as a PostgreSQL restart or an idle timeout would
        time.sleep(0.3)

        second = _backend(database)  # checked, found dead, replaced: the request never sees it

    assert second != first


def test_a_connection_handed_out_a_moment_ago_goes_out_unchecked(settings):
    settings.DATABASE_POOL_CHECK_AFTER_SECONDS = 30
    with pooled() as database:
        first = _backend(database)
        _terminate(first)

        # No check inside the window (the round trip a request saves), so this one use fails...
        with pytest.raises(OperationalError):
            _backend(database)
        # ...and the broken connection is not handed out again.
        second = _backend(database)

    assert second != first
