"""The newest messages of a chat, as ciphertext, in Redis: an AI reply's history without Directus.

Replying to a message needs the chat row (owner, wrapped key, mate) and the conversation up to
that message. Reading them from Directus costs more than everything else before the first
token, so the chat's newest `WINDOW` messages are kept here, exactly as stored (ciphertext;
the wrapped key is sealed by the key-encryption key, so nothing readable reaches Redis).

Consistency rests on the chat lock (rows.py): every writer of the window holds it. Sends
append under the lock; a reader that misses fills the window under the lock from Directus;
deleting a message or the chat forgets the window under the lock. A window also names the
chat's generation it was written under, so a re-key (new generation) or a deleted chat (no
generation) makes it invalid for every process at once, and reads check that in the same
atomic step. Messages written to Directus behind Mateway's back show up when the window
expires (`TTL_SECONDS`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis

from subgraphs.core.chats.ids import seq_of
from subgraphs.core.chats.rows import GENERATION_PREFIX, GENERATION_SECONDS
from subgraphs.core.chats.store import Row

WINDOW = 100  # messages kept per chat; an AI reply reads at most this many (AiSettings)
TTL_SECONDS = 3600
META_PREFIX = "mateway:chat:recent:meta:"
LIST_PREFIX = "mateway:chat:recent:list:"
CHAT_FIELDS = ("id", "owner", "wrapped_key", "mate", "builtin_mate")

# KEYS: meta, list, generation. The window, if written under the current generation.
_READ = """
local generation = redis.call('get', KEYS[3])
if not generation then return nil end
local meta = redis.call('hmget', KEYS[1], 'generation', 'chat', 'complete')
if meta[1] ~= generation then return nil end
return {meta[2], meta[3], redis.call('lrange', KEYS[2], 0, -1), generation}
"""
# KEYS as above; ARGV: generation, message, window, ttl. Appends only to a current window.
_APPEND = """
local generation = redis.call('get', KEYS[3])
if not generation or generation ~= ARGV[1] then return 0 end
if redis.call('hget', KEYS[1], 'generation') ~= generation then return 0 end
if redis.call('rpush', KEYS[2], ARGV[2]) > tonumber(ARGV[3]) then
  redis.call('ltrim', KEYS[2], -tonumber(ARGV[3]), -1)
  redis.call('hset', KEYS[1], 'complete', '0')
end
redis.call('expire', KEYS[1], ARGV[4])
redis.call('expire', KEYS[2], ARGV[4])
return 1
"""
# KEYS as above; ARGV: generation, chat, complete, ttl, messages... Replaces the window.
_FILL = """
if redis.call('get', KEYS[3]) ~= ARGV[1] then return 0 end
redis.call('del', KEYS[1], KEYS[2])
redis.call('hset', KEYS[1], 'generation', ARGV[1], 'chat', ARGV[2], 'complete', ARGV[3])
if #ARGV > 4 then redis.call('rpush', KEYS[2], unpack(ARGV, 5)) end
redis.call('expire', KEYS[1], ARGV[4])
redis.call('expire', KEYS[2], ARGV[4])
return 1
"""


@dataclass(frozen=True, slots=True)
class RecentWindow:
    """A chat row and its newest messages (newest first), as read from the window."""

    chat: Row
    messages: list[Row]  # id, seq, role, body_ciphertext; newest first
    complete: bool  # True: these are all of the chat's messages
    generation: bytes | None = None  # the chat's generation the window was read under

    def history(self, message_id: str, limit: int) -> list[Row] | None:
        """Messages from `message_id` back (at most `limit`); None if the window can't tell.

        Same rows as the Directus query in the ai app: the newest `limit` messages up to the
        target's time, then those from the target on.
        """
        target_seq = seq_of(message_id)
        older = [row for row in self.messages if int(row["seq"]) <= target_seq][:limit]
        if len(older) < limit and not self.complete:
            return None  # older messages may have been trimmed from the window
        index = next((i for i, row in enumerate(older) if row["id"] == message_id), None)
        return None if index is None else older[index:]


def message_entry(row: Row) -> bytes:
    """A message row as the window stores it."""
    return orjson.dumps([row["id"], int(row["seq"]), row["role"], row["body_ciphertext"]])


class RecentMessages:
    """The windows of chats' newest messages in Redis (see the module docstring)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._read = redis.register_script(_READ)
        self._append = redis.register_script(_APPEND)
        self._fill = redis.register_script(_FILL)

    @staticmethod
    def _keys(chat_id: str) -> list[str]:
        return [META_PREFIX + chat_id, LIST_PREFIX + chat_id, GENERATION_PREFIX + chat_id]

    async def read(self, chat_id: str) -> RecentWindow | None:
        """The chat's window when one exists for its current generation."""
        found: Any = await self._read(keys=self._keys(chat_id))
        if not found:
            return None
        chat_json, complete, entries, generation = found
        messages = [
            {"id": m[0], "seq": m[1], "role": m[2], "body_ciphertext": m[3]}
            for m in map(orjson.loads, entries)
        ]
        messages.sort(key=lambda row: (row["seq"], row["id"]), reverse=True)
        return RecentWindow(orjson.loads(chat_json), messages, complete == b"1", generation)

    async def append(self, chat_id: str, generation: bytes | None, row: Row) -> None:
        """Add a message just stored (caller holds the chat lock under `generation`)."""
        if generation is None:
            return
        args: list[Any] = [generation, message_entry(row), WINDOW, TTL_SECONDS]
        await self._append(keys=self._keys(chat_id), args=args)

    async def fill(
        self, chat_id: str, generation: bytes, chat: Row, newest: list[Row], complete: bool
    ) -> None:
        """Replace the window (caller holds the chat lock under `generation`).

        `newest` are the chat's newest messages, newest first, at most WINDOW of them.
        """
        row = {name: chat.get(name) for name in CHAT_FIELDS}
        args: list[Any] = [generation, orjson.dumps(row), "1" if complete else "0", TTL_SECONDS]
        args += [message_entry(message) for message in reversed(newest[:WINDOW])]
        await self._fill(keys=self._keys(chat_id), args=args)

    async def start(self, chat: Row, first: Row) -> None:
        """The window of a chat just created with its first message (nobody else knows it)."""
        chat_id = str(chat["id"])
        generation = secrets.token_bytes(16)
        await self.redis.set(GENERATION_PREFIX + chat_id, generation, ex=GENERATION_SECONDS)
        await self.fill(chat_id, generation, chat, [first], complete=True)

    async def forget(self, chat_id: str) -> None:
        """Drop the window (a message or the chat was deleted; caller holds the lock)."""
        await self.redis.delete(META_PREFIX + chat_id, LIST_PREFIX + chat_id)
