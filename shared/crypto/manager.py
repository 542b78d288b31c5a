"""ChatKeyManager: a data key per chat, stored only wrapped, cached briefly once unwrapped.

Crypto-shredding: a chat's texts are readable only through its wrapped data key, held in the
chat's row. Deleting that row (the chat service's job) is the shred; `destroy` makes sure
this process forgets the unwrapped key at once instead of when its cache entry expires.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from shared.crypto.backends.base import KeyEncryptionBackend
from shared.crypto.cache import KeyCache
from shared.crypto.cipher import ChatCipher
from shared.crypto.errors import DecryptionError
from shared.crypto.secret import DataKey

_STORED = re.compile(r"(\d+)\.(.+)", re.DOTALL)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class StoredChatKey:
    """What the chat row holds: the data key's version (bumped by rekey) and its wrapped form."""

    data_key_version: int
    wrapped: str

    def encode(self) -> str:
        """The text stored in the chat row."""
        return f"{self.data_key_version}.{self.wrapped}"

    @classmethod
    def parse(cls, text: str) -> StoredChatKey:
        """Read the chat row's text; DecryptionError when it is not ours."""
        match = _STORED.fullmatch(text)
        if match is None:
            raise DecryptionError("not a stored chat key")
        return cls(int(match.group(1)), match.group(2))


@dataclass(frozen=True, slots=True)
class NewChatKey:
    """A new chat's key: `stored` goes into the chat row, `cipher` encrypts its first texts."""

    stored: str
    cipher: ChatCipher


@dataclass(frozen=True, slots=True)
class RekeyedChat:
    """The result of `rekey`: store all of it together, replacing the old key and texts."""

    stored: str
    cipher: ChatCipher
    messages: dict[str, str]
    title: str | None


class ChatKeyManager:
    """Creates, unwraps, rotates and forgets chat data keys through one KEK backend."""

    def __init__(
        self, backend: KeyEncryptionBackend, cache_ttl_seconds: float = 60, cache_size: int = 1024
    ) -> None:
        self.backend = backend
        self.cache = KeyCache(cache_ttl_seconds, cache_size)

    def __repr__(self) -> str:
        return f"ChatKeyManager(backend={self.backend!r}, cache={self.cache!r})"

    async def create_chat_key(self, chat_id: str) -> NewChatKey:
        """A random 256-bit data key for a new chat, wrapped for storage and cached."""
        return await self._new_key(chat_id, data_key_version=1)

    async def cipher(self, chat_id: str, stored: str) -> ChatCipher:
        """The chat's cipher from its row's stored key (cached for a few seconds)."""
        cached = self.cache.get(chat_id, stored)
        if cached is not None:
            return cached
        parsed = StoredChatKey.parse(stored)
        key = await self._run(self.backend.unwrap, parsed.wrapped, chat_id)
        cipher = ChatCipher(chat_id, key, parsed.data_key_version)
        self.cache.put(stored, cipher)
        return cipher

    def destroy(self, chat_id: str) -> None:
        """Forget the chat's unwrapped key now; deleting its stored key is what shreds it."""
        self.cache.evict(chat_id)

    async def rekey(
        self,
        chat_id: str,
        stored: str,
        messages: Mapping[str, str],
        title: str | None = None,
    ) -> RekeyedChat:
        """A new data key for the chat and its texts re-encrypted (e.g. to revoke a share).

        `messages` maps message id -> stored ciphertext. Any text that fails to decrypt
        raises DecryptionError and nothing is produced, so the caller never half-rekeys.
        """
        old = await self.cipher(chat_id, stored)
        plain = {mid: old.decrypt_message(mid, text) for mid, text in messages.items()}
        plain_title = old.decrypt_title(title) if title is not None else None
        self.cache.evict(chat_id)
        new = await self._new_key(chat_id, data_key_version=old.key_version + 1)
        return RekeyedChat(
            stored=new.stored,
            cipher=new.cipher,
            messages={mid: new.cipher.encrypt_message(mid, body) for mid, body in plain.items()},
            title=new.cipher.encrypt_title(plain_title) if plain_title is not None else None,
        )

    def needs_rewrap(self, stored: str) -> bool:
        """True when the stored key was wrapped with an older KEK version."""
        wrapped = StoredChatKey.parse(stored).wrapped
        return self.backend.wrapped_version(wrapped) != self.backend.key_version

    async def rewrap(self, chat_id: str, stored: str) -> str:
        """The stored key moved to the newest KEK version; the chat's texts stay untouched."""
        parsed = StoredChatKey.parse(stored)
        wrapped = await self._run(self.backend.rewrap, parsed.wrapped, chat_id)
        self.cache.evict(chat_id)
        return StoredChatKey(parsed.data_key_version, wrapped).encode()

    async def _new_key(self, chat_id: str, data_key_version: int) -> NewChatKey:
        key = DataKey.generate()
        wrapped = await self._run(self.backend.wrap, key, chat_id)
        stored = StoredChatKey(data_key_version, wrapped).encode()
        cipher = ChatCipher(chat_id, key, data_key_version)
        self.cache.put(stored, cipher)
        return NewChatKey(stored, cipher)

    async def _run(self, function: Callable[..., _T], *arguments: object) -> _T:
        """Call the backend; off the event loop when it does network I/O (Vault)."""
        if self.backend.blocking:
            return await asyncio.to_thread(function, *arguments)
        return function(*arguments)
