"""The Redis cache builds one client per connection pool, not one per call (Django's own builds a
`redis.Redis`, and its table of response callbacks, on every get and set)."""
import os

import pytest

from verdict.cache import VerdictRedisCache

# CI runs Redis (its Celery broker); the embedded first-run defaults need none.
BROKER = os.environ.get("CELERY_BROKER_URL", "")


def test_calls_share_one_client():
    cache = VerdictRedisCache("redis://127.0.0.1:6379/15", {})
    first = cache._cache.get_client("a")
    assert cache._cache.get_client("b", write=True) is first
    assert cache._cache.get_client("c") is first


@pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs a Redis server: runs where Redis is the broker (CI)")
def test_the_shared_client_reads_and_writes():
    server = BROKER.rsplit("/", 1)[0] + "/15"
    cache = VerdictRedisCache(server, {"KEY_PREFIX": "verdict-test-clients"})
    cache.set("answer", 42, 30)
    assert cache.get("answer") == 42
    assert cache.incr("answer") == 43
    cache.delete("answer")
    assert cache.get("answer") is None
