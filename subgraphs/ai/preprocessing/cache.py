"""A bounded, thread-safe least-recently-used cache of analysis results."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most `max_entries` values; the least recently read or written one goes first."""

    def __init__(self, max_entries: int) -> None:
        if max_entries < 0:
            raise ValueError("max_entries must be 0 (no caching) or more")
        self.max_entries = max_entries
        self._entries: OrderedDict[K, V] = OrderedDict()
        self.hits = 0
        # Used from the event loops of every thread that preprocesses with it.
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The cached value, marked as recently used, or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return value

    def put(self, key: K, value: V) -> None:
        """Stores a value, evicting the least recently used entries beyond the bound."""
        if self.max_entries == 0:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Forgets every entry."""
        with self._lock:
            self._entries.clear()
