"""A per-process cache of rendered entity pages, least recently used out, within a byte budget.

A page depends only on the data version and its variant (path, format, language, query string), and
the data changes only on reload, so a cached body is exact until the version changes; entries of an
older version are dropped on the first lookup under the new one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


def _cost(variant: str, body: str | bytes) -> int:
    """About what an entry takes in memory (a str of non-ASCII text takes 2 bytes a character)."""
    return len(body) * (1 if isinstance(body, bytes) else 2) + len(variant) + 100


class PageCache:
    """Bodies by ``(data version, variant)``; thread-safe; ``max_bytes=0`` caches nothing."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[str, str | bytes] = OrderedDict()
        self._size = 0
        self._version = ""
        self._lock = threading.Lock()

    def get(self, version: str, variant: str) -> str | bytes | None:
        """The cached body, or None (and the cache forgets older versions' pages)."""
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._size = 0
                self._version = version
            body = self._entries.get(variant)
            if body is None:
                self.misses += 1
                return None
            self._entries.move_to_end(variant)
            self.hits += 1
            return body

    def put(self, version: str, variant: str, body: str | bytes) -> None:
        """Keep ``body`` unless it alone exceeds a tenth of the budget; evict the oldest."""
        size = _cost(variant, body)
        if size > self.max_bytes // 10:
            return
        with self._lock:
            if version != self._version or variant in self._entries:
                return
            self._entries[variant] = body
            self._size += size
            while self._size > self.max_bytes and self._entries:
                self._size -= _cost(*self._entries.popitem(last=False))

    def __len__(self) -> int:
        return len(self._entries)
