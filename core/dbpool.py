"""The psycopg pool's connection check, skipped for a connection that was just in use.

Django's pool (CONN_HEALTH_CHECKS) checks every connection it hands out with an empty query: a
round trip to PostgreSQL on every request and every job that touches the database, however
recently that connection last worked. Here a connection last handed out less than
DATABASE_POOL_CHECK_AFTER_SECONDS ago is handed out as it is (HikariCP's "alive bypass window"
does the same); a new one, or one that sat in the pool longer, is checked first. A connection
that breaks inside that window (the server restarted) fails the one request that gets it and is
discarded when given back, as a connection that breaks mid-request always was.

(It times from the last hand-out, not the last give-back: the pool's give-back hook would move
every give-back to the pool's own thread.)
"""

from time import monotonic

from django.conf import settings
from psycopg_pool import ConnectionPool


def connection_check(connection) -> None:
    """The pool's `check`: raises when a connection that has not worked lately does not answer."""
    now = monotonic()
    handed_out_at = getattr(connection, "_modo_handed_out_at", None)
    if handed_out_at is None or now - handed_out_at > settings.DATABASE_POOL_CHECK_AFTER_SECONDS:
        ConnectionPool.check_connection(connection)
    connection._modo_handed_out_at = now
