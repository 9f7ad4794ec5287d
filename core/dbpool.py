"""How often a kept PostgreSQL connection is checked before use: not again within a second.

Django checks a kept connection before each request (CONN_HEALTH_CHECKS; a Celery task counts
as one) and its pool checks each connection it hands out: an empty query or a `SELECT 1`, a
round trip to PostgreSQL (through PgBouncer, a server transaction) on every request and job
that touches the database, however recently that connection last worked. Here a connection
handed out, or checked, less than DATABASE_CHECK_AFTER_SECONDS ago goes out as it is (HikariCP's
"alive bypass window" does the same); a new one, or one that sat unused longer, is checked first.
A connection that breaks inside that window (the server restarted) fails the one request or job
that gets it and is then dropped, as a connection that breaks mid-request always was.

(The pool's clock starts at the last hand-out, not the last give-back: psycopg_pool's give-back
hook would move every give-back to the pool's own thread.)
"""

from time import monotonic

from django.conf import settings
from psycopg_pool import ConnectionPool


def checked_lately(at: float | None, now: float) -> bool:
    return at is not None and now - at <= settings.DATABASE_CHECK_AFTER_SECONDS


def connection_check(connection) -> None:
    """The pool's `check`: raises when a connection that has not worked lately does not answer."""
    now = monotonic()
    if not checked_lately(getattr(connection, "_modo_handed_out_at", None), now):
        ConnectionPool.check_connection(connection)
    connection._modo_handed_out_at = now
