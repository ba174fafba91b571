"""The per-process page cache: exact per data version, bounded in bytes, least recently used out."""

from __future__ import annotations

import threading

from twinning_kg.web.pagecache import PageCache


def test_a_page_is_kept_per_version_and_variant() -> None:
    cache = PageCache(10_000)
    assert cache.get("v1", "id/a\0ttl") is None
    cache.put("v1", "id/a\0ttl", b"<a> <b> <c> .")
    assert cache.get("v1", "id/a\0ttl") == b"<a> <b> <c> ."
    assert cache.get("v1", "id/a\0html") is None
    assert (cache.hits, cache.misses) == (1, 2)


def test_a_new_data_version_empties_the_cache() -> None:
    cache = PageCache(10_000)
    cache.get("v1", "id/a")
    cache.put("v1", "id/a", "old")
    assert cache.get("v2", "id/a") is None
    assert len(cache) == 0
    cache.put("v1", "id/a", "stale")  # a render that began before the reload
    assert cache.get("v2", "id/a") is None


def test_the_budget_evicts_the_least_recently_used() -> None:
    cache = PageCache(2_500)
    cache.get("v", "")
    for name in "abcdefghijklmnopqrst":
        cache.put("v", name, b"x" * 100)
        cache.get("v", "a")  # keep "a" in use
    assert cache.get("v", "a") is not None
    assert cache.get("v", "b") is None
    assert len(cache) < 20


def test_a_body_over_a_tenth_of_the_budget_is_not_kept() -> None:
    cache = PageCache(1_000)
    cache.get("v", "")
    cache.put("v", "big", b"x" * 200)
    assert cache.get("v", "big") is None


def test_zero_budget_keeps_nothing() -> None:
    cache = PageCache(0)
    cache.get("v", "")
    cache.put("v", "a", b"")
    assert cache.get("v", "a") is None


def test_threads_share_it_safely() -> None:
    cache = PageCache(50_000)
    cache.get("v", "")

    def work(offset: int) -> None:
        for i in range(2_000):
            key = str((i + offset) % 300)
            if cache.get("v", key) is None:
                cache.put("v", key, key.encode() * 10)

    threads = [threading.Thread(target=work, args=(n * 7,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(cache.get("v", str(i)) in (None, str(i).encode() * 10) for i in range(300))
