"""A small in-process cache of unwrapped chat keys: bounded, expiring, never shared.

Unwrapped keys live here for seconds only and only in this process's memory: never in
Redis (another process, persisted snapshots) and never in logs.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from shared.crypto.cipher import ChatCipher


@dataclass(slots=True)
class _Entry:
    wrapped: str
    cipher: ChatCipher
    expires_at: float


class KeyCache:
    """Chat id -> cipher for a given wrapped key, least recently used evicted first."""

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 0 or ttl_seconds < 0:
            raise ValueError("cache limits must not be negative")
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KeyCache(entries={len(self)}, max_entries={self.max_entries})"

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, chat_id: str, wrapped: str) -> ChatCipher | None:
        """The cached cipher when it is fresh and made from this very wrapped key."""
        with self._lock:
            entry = self._entries.get(chat_id)
            if entry is None:
                return None
            if entry.expires_at <= self._clock() or entry.wrapped != wrapped:
                # A different wrapped key means a rekey or rewrap: never serve the old one.
                del self._entries[chat_id]
                return None
            self._entries.move_to_end(chat_id)
            return entry.cipher

    def put(self, wrapped: str, cipher: ChatCipher) -> None:
        """Remember `cipher` for its chat, evicting the least recently used beyond the bound."""
        if self.max_entries == 0 or self.ttl_seconds == 0:
            return
        with self._lock:
            expires_at = self._clock() + self.ttl_seconds
            self._entries[cipher.chat_id] = _Entry(wrapped, cipher, expires_at)
            self._entries.move_to_end(cipher.chat_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def evict(self, chat_id: str) -> None:
        """Forget a chat's key now."""
        with self._lock:
            self._entries.pop(chat_id, None)

    def clear(self) -> None:
        """Forget every key."""
        with self._lock:
            self._entries.clear()
