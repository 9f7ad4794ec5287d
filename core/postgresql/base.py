"""Django's PostgreSQL backend, checking kept connections as core.dbpool says (the pool of the
web server, DATABASE_POOL_MAX_SIZE, and the workers' kept connections, CONN_MAX_AGE)."""

from time import monotonic

from django.db.backends.postgresql import base

from core.dbpool import checked_lately, connection_check


class DatabaseWrapper(base.DatabaseWrapper):
    checked_at: float | None = None  # (monotonic) this kept connection's last check

    @property
    def pool(self):
        made_before = self.alias in self._connection_pools
        pool = super().pool
        if pool is not None and not made_before:
            # Django hands psycopg_pool a check that costs a round trip on every hand-out
            # (CONN_HEALTH_CHECKS) and no way to pass another; psycopg_pool calls `_check`.
            pool._check = connection_check
        return pool

    def close_if_health_check_failed(self):
        due = self.connection is not None and not self.health_check_done and not self.pool
        now = monotonic()
        if due and checked_lately(self.checked_at, now):
            self.health_check_done = True  # checked within the window: no round trip
            return
        super().close_if_health_check_failed()
        if due and self.connection is not None:  # checked, and it answered
            self.checked_at = now
