"""The database: SQLite under var/ by default, PostgreSQL through DATABASE_URL."""

from .env import VAR_DIR, env

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'modo.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling (docker-compose.yml) a server connection is ours for
# one transaction only: no server-side cursors (they outlive it) and no prepared statements.
DATABASE_TRANSACTION_POOLING = env.bool("DATABASE_TRANSACTION_POOLING", default=False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_TRANSACTION_POOLING
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Prepared statements for the few statements written for server-side binding
    # (core.sql.bound_cursor: the credit charge and a story's success): PostgreSQL parses and
    # plans each once per connection instead of on every call (~0.8 ms of its CPU per story).
    # From a statement's second run on a connection: preparing costs a round trip, which a
    # connection used once (CONN_MAX_AGE=0) would pay for nothing. The ORM binds client-side
    # and never prepares. Turn off behind a pooler in transaction mode that does not carry
    # prepared statements (PgBouncer before 1.21, or with max_prepared_statements = 0).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        1 if env.bool("DATABASE_PREPARED_STATEMENTS", default=not DATABASE_TRANSACTION_POOLING) else None
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent requests (web threads and the worker): WAL lets
    # readers go on while one writer writes; IMMEDIATE takes the write lock when a transaction
    # begins, so two transactions never both read and then fail to upgrade ("database is
    # locked" at once, whatever the timeout); the busy timeout makes a writer wait its turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=30),
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool per process (psycopg_pool) for the web server: its request threads (core.asgi)
    # borrow a connection per request and give it back, at most DATABASE_POOL_MAX_SIZE of them
    # open however many requests or streams wait. 0: off (a connection per request, or
    # CONN_MAX_AGE), as under PgBouncer in transaction mode.
    _pool_size = env.int("DATABASE_POOL_MAX_SIZE", default=0)
    if _pool_size > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django must not
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": min(2, _pool_size),
            "max_size": _pool_size,
            "timeout": env.float("DATABASE_POOL_TIMEOUT_SECONDS", default=10),
        }
    # Django's backend, but a kept connection (pooled or CONN_MAX_AGE) checked or handed out
    # within the last DATABASE_CHECK_AFTER_SECONDS is not checked again (core.dbpool): Django's
    # check is a round trip to PostgreSQL on every request and every job.
    DATABASES["default"]["ENGINE"] = "core.postgresql"
DATABASE_CHECK_AFTER_SECONDS = env.float("DATABASE_CHECK_AFTER_SECONDS", default=1.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
