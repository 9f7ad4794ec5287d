"""Kept PostgreSQL connections (core.postgresql, core.dbpool), in the web server's pool
(DATABASE_POOL_MAX_SIZE) and kept by a worker's thread (CONN_MAX_AGE): one that sat unused is
checked before a request or job gets it; one in use a moment ago goes out as it is, without the
round trip of a check."""

import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection

from core.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


@contextmanager
def kept(how: str):
    """A connection to the test database kept as the web server (`pooled`, a pool of one) or a
    worker (`persistent`) keeps it."""
    options = {**connection.settings_dict["OPTIONS"]}
    if how == "pooled":
        options["pool"] = {"min_size": 1, "max_size": 1, "timeout": 5}
    settings_dict = {
        **connection.settings_dict,
        "ENGINE": "core.postgresql",
        "CONN_MAX_AGE": 0 if how == "pooled" else 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }
    database = DatabaseWrapper(settings_dict, alias=f"kept_{how}")
    try:
        yield database
    finally:
        database.close()
        if how == "pooled":
            database.close_pool()


def _request(database) -> int:
    """One request's (or Celery task's) use of the database, as Django's signals frame it."""
    database.close_if_unusable_or_obsolete()
    try:
        with database.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    finally:
        database.close_if_unusable_or_obsolete()
        if database.pool:
            database.close()  # given back to the pool


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.1)  # the server closes it


@pytest.mark.parametrize("how", ["pooled", "persistent"])
def test_a_connection_that_died_while_unused_is_replaced_before_a_request_gets_it(settings, how):
    settings.DATABASE_CHECK_AFTER_SECONDS = 0.2
    with kept(how) as database:
        first = _request(database)
        _request(database)
        _terminate(first)  # as a PostgreSQL restart or an idle timeout would
        time.sleep(0.3)

        second = _request(database)  # checked, found dead, replaced: the request never sees it

    assert second != first


@pytest.mark.parametrize("how", ["pooled", "persistent"])
def test_a_connection_in_use_a_moment_ago_goes_out_unchecked(settings, how):
    settings.DATABASE_CHECK_AFTER_SECONDS = 30
    with kept(how) as database:
        first = _request(database)
        _request(database)  # (checked here: new connections are not)
        _terminate(first)

        # No check inside the window (the round trip each request saves), so this one use fails...
        with pytest.raises(OperationalError):
            _request(database)
        # ...and the broken connection is not used again.
        second = _request(database)

    assert second != first
