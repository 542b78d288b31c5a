"""The bounded LRU cache of analyses."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from subgraphs.ai.preprocessing.cache import LruCache


def test_the_least_recently_used_entry_is_evicted_beyond_the_bound() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now more recent than "b"
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_hits_are_counted_and_misses_are_not() -> None:
    cache: LruCache[str, int] = LruCache(4)
    cache.put("a", 1)
    cache.get("a")
    cache.get("missing")
    assert cache.hits == 1


def test_a_cache_of_size_zero_keeps_nothing() -> None:
    cache: LruCache[str, int] = LruCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None and len(cache) == 0


def test_a_negative_size_is_refused() -> None:
    with pytest.raises(ValueError):
        LruCache(-1)


def test_concurrent_writers_never_exceed_the_bound() -> None:
    cache: LruCache[int, int] = LruCache(100)

    def fill(offset: int) -> None:
        for i in range(2_000):
            cache.put(offset + i, i)
            cache.get(offset + i // 2)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(fill, [0, 10_000, 20_000, 30_000]))
    assert len(cache) == 100
