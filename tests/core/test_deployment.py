"""The deployment's settings as docker-compose.yml sets them (the whole wiring is proven by
`make smoke`, scripts/smoke.py)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "modo.settings.production",
    "SECRET_KEY": "x" * 60,
    "DATABASE_URL": "postgres://modo:modo@pgbouncer:5432/modo",
    "REDIS_URL": "redis://redis:6379/0",
    "PATH": "/usr/bin:/bin",
}
READ_DATABASE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps([db['DISABLE_SERVER_SIDE_CURSORS'], db['OPTIONS'].get('prepare_threshold')]))"
)


def _printed(code: str, **env: str):
    """What `code`, run on production's settings, prints as JSON on its last line."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**PRODUCTION, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _database_settings(**env: str) -> list:
    return _printed(READ_DATABASE, **env)


def test_behind_pgbouncer_in_transaction_pooling_there_are_no_server_side_cursors_nor_prepared_statements():
    assert _database_settings(DATABASE_TRANSACTION_POOLING="true") == [True, None]


def test_straight_to_postgresql_both_stay_on():
    assert _database_settings() == [False, 1]


READ_POOL = (
    "import django, json; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps([db['OPTIONS'].get('pool', {}).get('max_size'), db['CONN_MAX_AGE']]))"
)


def test_the_web_servers_connection_pool_bounds_postgresql_connections():
    # Without it every waiting request's thread opened a connection of its own: 200 stories at
    # once ran PostgreSQL out of connections ("too many clients", 500s).
    assert _printed(READ_POOL, DATABASE_POOL_MAX_SIZE="20") == [20, 0]


def test_the_production_web_server_borrows_from_a_pool_without_being_told():
    # gunicorn.conf.py (the Dockerfile's CMD) sets the pool for its processes: under ASGI a
    # connection kept per request thread (CONN_MAX_AGE) was never reused nor closed, and 250
    # studio users ran PostgreSQL out of connections.
    assert _printed("import runpy; runpy.run_path('gunicorn.conf.py'); " + READ_POOL) == [10, 0]


def test_the_pooled_web_server_checks_only_connections_that_sat_in_the_pool():
    # Django's own check adds an empty query (a round trip) to every request that touches the
    # database; core.postgresql's pool skips it for a connection used within the last second
    # (tests/core/test_dbpool.py).
    read = (
        "import django, json; django.setup(); from django.conf import settings; from django.db import connection; "
        "print(json.dumps([settings.DATABASES['default']['ENGINE'], connection.pool._check.__qualname__]))"
    )
    assert _printed(read, DATABASE_POOL_MAX_SIZE="20") == ["core.postgresql", "connection_check"]
