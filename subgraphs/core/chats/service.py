"""ChatService: the chat operations of one signed-in owner, on ciphertext-only rows.

Texts are encrypted before they reach Directus and decrypted only when a field asks for
them (types.py), so one tampered message fails alone with DATA_INTEGRITY instead of taking
the whole page down. Writes that re-encrypt a chat (rename, revoke) and sends to an existing
chat hold the chat's Redis lock, so a rekey never misses a message written meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import string
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.crypto import ChatCipher, ChatKeyManager
from shared.directus.client import DirectusClient
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.chats.ids import (
    MAX_TITLE_CHARS,
    check_id,
    check_text,
    decode_cursor,
    derive_title,
    new_id,
    pad_title,
    page_size,
    seq_of,
)
from subgraphs.core.chats.recent import RecentMessages
from subgraphs.core.chats.rows import ChatRowCache, HeldLock, chat_lock
from subgraphs.core.chats.store import ChatStore, Row, not_found

MESSAGE_FIELDS_FOR_SEND = ["id", "wrapped_key"]
_NOISE_ALPHABET = string.ascii_letters + string.digits + "-_"
BUILTIN_PREFIX = "builtin-"
_log = logging.getLogger("mateway.chats")


def noise_like(text: str) -> str:
    """Random text as long as `text` (ASCII, so the same number of bytes)."""
    return "".join(secrets.choice(_NOISE_ALPHABET) for _ in text.encode("utf-8"))


@dataclass(frozen=True)
class OpenChat:
    """A chat row with its cipher (the key unwrapped, cached briefly)."""

    row: Row
    cipher: ChatCipher

    @property
    def id(self) -> str:
        """The chat's id."""
        return str(self.row["id"])


@dataclass(frozen=True)
class Page:
    """Rows of one page and whether more follow."""

    items: list[Any]
    has_next: bool


@dataclass(frozen=True)
class Sent:
    """What sendMessage answers."""

    chat_id: str
    message_id: str
    created_chat: bool


class ChatService:
    """Chat operations for `owner`; every chat is read through the owner filter."""

    def __init__(
        self,
        owner: str,
        client: DirectusClient,
        keys: ChatKeyManager,
        redis: Redis,
        rows: ChatRowCache | None = None,
    ) -> None:
        self.owner = owner
        self.store = ChatStore(client)
        self.keys = keys
        self.redis = redis
        self.rows = rows if rows is not None else ChatRowCache(ttl_seconds=0)
        self.recent = RecentMessages(redis)
        self._client = client

    async def open(self, chat_id: str, fields: list[str] | None = None) -> OpenChat:
        """The owner's chat with its cipher; NOT_FOUND for unknown or foreign chats."""
        row = await self.store.owned_chat(self.owner, check_id(chat_id, "chatId"), fields)
        return OpenChat(row, await self.keys.cipher(str(row["id"]), str(row["wrapped_key"])))

    async def send_message(self, chat_id: str | None, text: str, mate_id: str | None) -> Sent:
        """Store the user's message (encrypted), creating the chat when `chat_id` is None."""
        check_text(text)
        if chat_id is None:
            return await self._first_message(text, mate_id)
        chat_id = check_id(chat_id, "chatId")
        async with self.chat_lock(chat_id) as held:
            chat = await self.open_locked(chat_id, held)
            message = await self._store_message(chat.id, chat.cipher, text)
            await self.remember(chat.id, held, message)
        return Sent(chat.id, str(message["id"]), created_chat=False)

    async def remember(self, chat_id: str, held: HeldLock, message: Row) -> None:
        """Add a message just stored to the chat's recent window (see recent.py).

        A window that missed a message would give a reply a history with a hole, so when
        the append fails the window is dropped (the next reply reads Directus).
        """
        try:
            await self.recent.append(chat_id, held.generation, message)
        except RedisError:
            _log.warning("recent window append failed; dropping the window", exc_info=True)
            with contextlib.suppress(RedisError):
                await self.recent.forget(chat_id)

    async def open_locked(self, chat_id: str, held: HeldLock) -> OpenChat:
        """The chat (under its lock) from the row cache when its generation is current, else
        from Directus; NOT_FOUND for unknown or foreign chats."""
        cached = self.rows.get(chat_id, held.generation)
        if cached is not None and cached.owner == self.owner:
            cipher = await self.keys.cipher(chat_id, cached.wrapped_key)
            return OpenChat({"id": chat_id, "wrapped_key": cached.wrapped_key}, cipher)
        chat = await self.open(chat_id, MESSAGE_FIELDS_FOR_SEND)
        generation = held.generation or await held.new_generation()
        self.rows.put(chat_id, self.owner, str(chat.row["wrapped_key"]), generation)
        return chat

    async def _first_message(self, text: str, mate_id: str | None) -> Sent:
        chat_id = new_id()
        new = await self.keys.create_chat_key(chat_id)
        row: Row = {
            "id": chat_id,
            "seq": seq_of(chat_id),
            "owner": self.owner,
            "wrapped_key": new.stored,
            "title_ciphertext": new.cipher.encrypt_title(pad_title(derive_title(text))),
            # Set now so that later updates never grow the row (see delete_chat).
            "date_updated": datetime.now(UTC).isoformat(timespec="milliseconds"),
            **await self._mate_columns(mate_id),
        }
        await self.store.create_chat(row)
        message = await self._store_message(chat_id, new.cipher, text)
        try:
            await self.recent.start(row, message)
        except RedisError:  # no window: the first reply reads Directus instead
            _log.warning("recent window start failed", exc_info=True)
        return Sent(chat_id, str(message["id"]), created_chat=True)

    async def _store_message(self, chat_id: str, cipher: ChatCipher, text: str) -> Row:
        message_id = new_id()
        message: Row = {
            "id": message_id,
            "seq": seq_of(message_id),
            "chat": chat_id,
            "role": "user",
            "body_ciphertext": cipher.encrypt_message(message_id, text),
        }
        await self.store.create_message(message)
        return message

    async def _mate_columns(self, mate_id: str | None) -> Row:
        """The chat's mate: a built-in id, or one of the owner's mates (else NOT_FOUND)."""
        if mate_id is None:
            return {}
        if mate_id.startswith(BUILTIN_PREFIX):
            from subgraphs.mates.service import builtin_mates_by_id

            if mate_id not in builtin_mates_by_id():
                raise not_found("mate")
            return {"builtin_mate": mate_id}
        rows = await self._client.read_items(
            "mates",
            filter={"id": {"_eq": check_id(mate_id, "mateId")}, "owner": {"_eq": self.owner}},
            fields=["id"],
            limit=1,
        )
        if not rows:
            raise not_found("mate")
        return {"mate": rows[0]["id"]}

    async def chats(self, first: int | None, after: str | None) -> Page:
        """The owner's chats, newest first."""
        size = page_size(first)
        rows = await self.store.list_chats(self.owner, decode_cursor(after), size + 1)
        chats = [
            OpenChat(row, await self.keys.cipher(str(row["id"]), str(row["wrapped_key"])))
            for row in rows[:size]
        ]
        return Page(chats, has_next=len(rows) > size)

    async def messages(self, chat_id: str, first: int | None, after: str | None) -> Page:
        """The chat's messages, newest first, with the chat's cipher for decrypting them."""
        size = page_size(first)
        before = decode_cursor(after)
        chat = await self.open(chat_id, MESSAGE_FIELDS_FOR_SEND)
        rows = await self.store.list_messages(chat.id, before, size + 1)
        return Page([(row, chat.cipher) for row in rows[:size]], has_next=len(rows) > size)

    async def rename(self, chat_id: str, title: str) -> OpenChat:
        """Give the chat a new title (encrypted)."""
        title = check_text(title, "title", MAX_TITLE_CHARS).strip()
        if "\0" in title:
            raise MatewayError(ErrorCode.BAD_USER_INPUT, "title may not contain NUL", field="title")
        async with self.chat_lock(check_id(chat_id, "chatId")):
            chat = await self.open(chat_id)
            ciphertext = chat.cipher.encrypt_title(pad_title(title))
            await self.store.update_chat(chat.id, {"title_ciphertext": ciphertext})
        return OpenChat({**chat.row, "title_ciphertext": ciphertext}, chat.cipher)

    async def delete_message(self, chat_id: str, message_id: str) -> None:
        """Delete one message of the owner's chat."""
        chat_id, message_id = check_id(chat_id, "chatId"), check_id(message_id, "messageId")
        # Under the lock: a reply filling the chat's recent window must not re-add it.
        async with self.chat_lock(chat_id):
            chat = await self.store.owned_chat(self.owner, chat_id, ["id"])
            await self.store.message_in_chat(str(chat["id"]), message_id)
            await self.store.delete_message(message_id)
            await self.recent.forget(chat_id)

    async def delete_chat(self, chat_id: str) -> None:
        """Crypto-shred the chat: overwrite its wrapped key, forget it, then delete the rows.

        The key and title are first overwritten with random text of the same length: a row
        that keeps its size is rewritten in place by SQLite, so the deleted row's freed cell
        holds noise rather than the wrapped key (titles are padded and `date_updated` is set
        at creation for that). The overwrite comes before the delete so that a failure in
        between leaves a chat that is already unreadable rather than a key that survived.
        """
        chat_id = check_id(chat_id, "chatId")
        async with self.chat_lock(chat_id) as held:
            row = await self.store.owned_chat(
                self.owner, chat_id, ["id", "wrapped_key", "title_ciphertext"]
            )
            await self.store.update_chat(
                chat_id,
                {
                    "wrapped_key": noise_like(str(row["wrapped_key"])),
                    "title_ciphertext": noise_like(str(row.get("title_ciphertext") or "")) or None,
                },
            )
            await held.end_generation()
            self.rows.evict(chat_id)
            await self.recent.forget(chat_id)
            self.keys.destroy(chat_id)
            await self.store.delete_chat(chat_id)

    @asynccontextmanager
    async def chat_lock(self, chat_id: str) -> AsyncIterator[HeldLock]:
        """The chat's lock (key changes against concurrent writes) and its generation."""
        async with chat_lock(self.redis, chat_id) as held:
            yield held
