"""One redis-py client per connection pool, for django-redis and Celery's publishes.

A redis-py client is a thin, thread-safe object over its pool, but making one costs ~0.15 ms
of CPU (it fills its table of response callbacks). django-redis made one per cache object, so
per ASGI request (each runs in a context of its own, with cache objects of its own), and
kombu's Redis transport made one per published message: two per story request, ~4 % of its
CPU. Both now keep one per pool; the pools (and so the connections) are what they were.
"""

import threading

from django_redis.pool import ConnectionFactory
from kombu.transport import redis as kombu_redis

_lock = threading.Lock()


class SharedClientConnectionFactory(ConnectionFactory):
    """django-redis's factory (DJANGO_REDIS_CONNECTION_FACTORY), its clients kept per pool."""

    _clients: dict = {}

    def get_connection(self, params):
        pool = self.get_or_create_connection_pool(params)
        key = (id(pool), self.redis_client_cls)
        client = self._clients.get(key)
        if client is None:
            with _lock:
                client = self._clients.get(key)
                if client is None:
                    client = self._clients[key] = super().get_connection(params)
        return client


class Channel(kombu_redis.Channel):
    _publisher = None

    def conn_or_acquire(self, client=None):
        if client is None:  # a publish: the channel's one client instead of a new one each time
            if self._publisher is None:
                with _lock:
                    if self._publisher is None:
                        self._publisher = self._create_client()
            client = self._publisher
        return super().conn_or_acquire(client)

    def close(self):
        self._publisher = None
        super().close()


class Transport(kombu_redis.Transport):
    """kombu's Redis transport (CELERY_BROKER_TRANSPORT), publishing through a kept client."""

    Channel = Channel
