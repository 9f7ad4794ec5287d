"""Cache and sessions: Redis when REDIS_URL is set, files under var/cache otherwise."""

from .env import VAR_DIR, env

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    _redis_options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": 2,
        "SOCKET_TIMEOUT": 2,
        # A process's threads (the web's request threads, a worker's I/O threads) share the pool:
        # a burst of requests waits its turn for a connection instead of "Too many connections".
        "CONNECTION_POOL_CLASS": "redis.BlockingConnectionPool",
        "CONNECTION_POOL_KWARGS": {"max_connections": env.int("REDIS_MAX_CONNECTIONS", default=200), "timeout": 5},
    }
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _redis_options,
            "KEY_PREFIX": "modo",
        },
        "sessions": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _redis_options,
            "KEY_PREFIX": "modo-session",
            "TIMEOUT": None,
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    SESSION_CACHE_ALIAS = "sessions"
    # One client per pool, not one per cache object (per ASGI request): core.redis_clients.
    DJANGO_REDIS_CONNECTION_FACTORY = "core.redis_clients.SharedClientConnectionFactory"
else:
    # Files under var/cache: shared by the web process and the worker (a plan bought in one is
    # seen by the other), with no server. Its increments are not atomic; Redis is for real load.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
