"""A Redis cache that keeps the app answering while Redis is down.

The cache holds only what can be lost: rate-limit counters (the web chat's, the API's, the ticket lookup's) and
figures for /metrics. When Redis cannot be reached, a read gives the default and a write does nothing, so a
webhook, a visitor's message or an officer's reply is still accepted (the broker's outage is handled by the
re-drive): rate limits are off for that time, and a warning says so (at most once a minute per process).

Each read or write reuses one ``redis.Redis`` client per connection pool: Django's client builds a new one for
every call, and redis-py's constructor (its table of response callbacks) cost about 0.1 ms of CPU, as much as
the round trip itself, on every session load and rate-limit check.
"""

import logging
import time

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)
_WARN_EVERY = 60.0
_last_warning = 0.0


def _warn(operation: str, exc: Exception) -> None:
    global _last_warning  # noqa: PLW0603 - one throttle for the process
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY:
        _last_warning = now
        logger.warning(
            "cache unavailable (%s: %s): rate limits are off until Redis answers", operation, type(exc).__name__
        )


def _resilient(name: str, default=None):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCache, self), name)(*args, **kwargs)
        except redis.RedisError as exc:
            _warn(name, exc)
            return default(*args, **kwargs) if callable(default) else default

    method.__name__ = name
    return method


class ReusingRedisCacheClient(RedisCacheClient):
    """One ``redis.Redis`` per connection pool, made once (redis-py's clients are thread-safe; a cache object, and
    so this client, belongs to one thread anyway)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    get = _resilient("get", lambda key, default=None, version=None: default)
    get_many = _resilient("get_many", lambda keys, version=None: {})
    set = _resilient("set")
    set_many = _resilient("set_many", lambda data, timeout=None, version=None: list(data))
    add = _resilient("add", False)
    touch = _resilient("touch", False)
    delete = _resilient("delete", False)
    delete_many = _resilient("delete_many")
    has_key = _resilient("has_key", False)
    incr = _resilient("incr", lambda key, delta=1, version=None: delta)
    clear = _resilient("clear", False)
