"""Django's Redis cache, keeping one client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache call, and a client's
constructor fills its table of ~170 response callbacks each time: 0.4 ms per call under cProfile on the
development machine, three or four calls per annotation request (throttling, the open-items count). A
client holds no connection of its own (each command borrows one from the pool) and is thread-safe,
so one per pool serves every thread of a worker."""
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class PooledClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # Two threads may both build one on a worker's first calls; either is as good as the other.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class VerdictRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient
