"""Django's PostgreSQL backend, whose connection pool checks connections as core.dbpool says.

(DATABASE_POOL_MAX_SIZE turns it on: modo/settings/database.py.)
"""

from django.db.backends.postgresql import base

from core.dbpool import connection_check


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        made_before = self.alias in self._connection_pools
        pool = super().pool
        if pool is not None and not made_before:
            # Django hands psycopg_pool a check that costs a round trip on every hand-out
            # (CONN_HEALTH_CHECKS) and no way to pass another; psycopg_pool calls `_check`.
            pool._check = connection_check
        return pool
