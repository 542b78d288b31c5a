"""The chat a reply belongs to: its history (decrypted), its mate, and storing the answer.

Reuses core's chat code as a library (the ai app runs in the router's process in local mode
with the same settings): rows are read through the owner filter, texts are decrypted with
the chat's key, and the reply is written encrypted under the chat's lock, so a concurrent
`revokeShare` re-key never misses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.errors import ErrorCode, MatewayError
from subgraphs.ai.providers.base import ChatMessage
from subgraphs.core.chats.ids import check_id, new_id, seq_of
from subgraphs.core.chats.keys import chat_keys, chat_rows
from subgraphs.core.chats.recent import WINDOW, RecentWindow
from subgraphs.core.chats.service import ChatService, OpenChat
from subgraphs.core.chats.store import MESSAGES, Row, not_found
from subgraphs.core.service import current_service
from subgraphs.mates.service import builtin_mates_by_id

DEFAULT_PROMPT = "You are a helpful assistant. Answer clearly and say when you are unsure."
_MATE_FIELDS = ["id", "system_prompt", "preferred_model", "allowed_apps"]
_HISTORY_FIELDS = [
    "id",
    "seq",
    "role",
    "body_ciphertext",
    "chat.id",
    "chat.wrapped_key",
    "chat.mate",
    "chat.builtin_mate",
]


@dataclass(frozen=True)
class Mate:
    """What a reply needs of the chat's mate."""

    system_prompt: str
    preferred_model: str
    allowed_apps: frozenset[str]


@dataclass(frozen=True)
class ReplyContext:
    """An owned chat, its mate and the conversation up to (and with) the user's message."""

    chat: OpenChat
    mate: Mate
    history: tuple[ChatMessage, ...]
    user_text: str


def chat_service(owner: str) -> ChatService:
    """Core's ChatService for `owner`, on core's clients and key manager."""
    service = current_service()
    return ChatService(owner, service.directus(), chat_keys(), service.redis(), chat_rows())


async def load_reply_context(
    chats: ChatService, chat_id: str, message_id: str, limit: int
) -> ReplyContext:
    """The chat (NOT_FOUND unless the caller's), its mate, and history ending at the message."""
    chat_id, message_id = check_id(chat_id, "chatId"), check_id(message_id, "messageId")
    chat, rows = await _history(chats, chat_id, message_id, limit)
    history: list[ChatMessage] = []
    for row in reversed(rows):
        role = str(row.get("role") or "user")
        if role not in ("user", "assistant"):
            continue
        text = chat.cipher.decrypt_message(str(row["id"]), str(row["body_ciphertext"]))
        history.append(ChatMessage(role="user" if role == "user" else "assistant", content=text))
    if not history or history[-1].role != "user":
        raise MatewayError(ErrorCode.BAD_USER_INPUT, "Reply to a user message", field="messageId")
    mate = await _mate_of(chats, chat.row)
    return ReplyContext(chat, mate, tuple(history), history[-1].content)


async def _history(
    chats: ChatService, chat_id: str, message_id: str, limit: int
) -> tuple[OpenChat, list[Row]]:
    """The chat and its messages from the target back: from the recent window in Redis when
    it has them (one round trip), else from Directus, filling the window for the next reply.
    """
    found = await _from_window(chats, chat_id, message_id, limit)
    if found is not None:
        return found
    async with chats.chat_lock(chat_id) as held:
        found = await _from_window(chats, chat_id, message_id, limit)  # filled meanwhile?
        if found is not None:
            return found
        rows = await _newest(chats, chat_id, None, WINDOW)
        if not rows:
            raise not_found("message")  # no such chat of the caller's, or no messages
        chat_row = {**rows[0]["chat"], "owner": chats.owner}
        generation = held.generation or await held.new_generation()
        window = RecentWindow(chat_row, rows, len(rows) < WINDOW, generation)
        await chats.recent.fill(chat_id, generation, chat_row, rows, window.complete)
        _keep_row(chats, chat_id, window)
    history = window.history(message_id, limit)
    if history is None:  # older than the window: ask Directus for exactly that stretch
        stretch = await _newest(chats, chat_id, seq_of(message_id), limit)
        history = RecentWindow(chat_row, stretch, complete=True).history(message_id, limit)
    if history is None:
        raise not_found("message")
    return await _opened(chats, chat_id, chat_row), history


async def _from_window(
    chats: ChatService, chat_id: str, message_id: str, limit: int
) -> tuple[OpenChat, list[Row]] | None:
    window = await chats.recent.read(chat_id)
    if window is None:
        return None
    if window.chat.get("owner") != chats.owner:
        # A chat's owner never changes: another user's chat is NOT_FOUND without Directus,
        # and without taking its lock.
        raise not_found("message")
    history = window.history(message_id, limit)
    if history is None:
        return None
    _keep_row(chats, chat_id, window)
    return await _opened(chats, chat_id, window.chat), history


def _keep_row(chats: ChatService, chat_id: str, window: RecentWindow) -> None:
    """The window's chat row into the row cache, under the window's generation: storing the
    reply then opens the chat without reading Directus, unless the chat changed meanwhile."""
    if window.generation is not None:
        chats.rows.put(chat_id, chats.owner, str(window.chat["wrapped_key"]), window.generation)


async def _opened(chats: ChatService, chat_id: str, row: Row) -> OpenChat:
    return OpenChat(row, await chats.keys.cipher(chat_id, str(row["wrapped_key"])))


async def _newest(chats: ChatService, chat_id: str, max_seq: int | None, limit: int) -> list[Row]:
    """The chat's newest messages (up to `max_seq`), newest first, with their chat row.

    The owner filter is part of the query, so another user's chat reads as no rows.
    """
    where: list[dict[str, Any]] = [
        {"chat": {"_eq": chat_id}},
        {"chat": {"owner": {"_eq": chats.owner}}},
    ]
    if max_seq is not None:
        # Rows of the same millisecond share a seq; the id order settles them.
        where.append({"seq": {"_lte": max_seq}})
    directus = current_service().directus()
    return await directus.read_items(
        MESSAGES, filter={"_and": where}, fields=_HISTORY_FIELDS, sort=["-seq", "-id"], limit=limit
    )


async def _mate_of(chats: ChatService, row: dict[str, Any]) -> Mate:
    builtin = row.get("builtin_mate")
    if builtin:
        found = builtin_mates_by_id().get(str(builtin))
        if found is not None:
            return Mate(found.system_prompt, found.preferred_model, frozenset(found.allowed_apps))
    mate_id = row.get("mate")
    if mate_id:
        rows = (
            await current_service()
            .directus()
            .read_items(
                "mates",
                filter={"id": {"_eq": str(mate_id)}, "owner": {"_eq": chats.owner}},
                fields=_MATE_FIELDS,
                limit=1,
            )
        )
        if rows:
            found_row = rows[0]
            return Mate(
                str(found_row.get("system_prompt") or DEFAULT_PROMPT),
                str(found_row.get("preferred_model") or "default"),
                frozenset(found_row.get("allowed_apps") or ()),
            )
    # A chat without a mate talks to the default model with every installed app.
    return Mate(DEFAULT_PROMPT, "default", frozenset({"*"}))


async def store_reply(chats: ChatService, chat: OpenChat, text: str, status: str) -> str:
    """Write the assistant's answer encrypted into the chat; its message id."""
    async with chats.chat_lock(chat.id) as held:
        # Re-open under the lock: a re-key since the reply started changed the key.
        current = await chats.open_locked(chat.id, held)
        message_id = new_id()
        message = {
            "id": message_id,
            "seq": seq_of(message_id),
            "chat": current.id,
            "role": "assistant",
            "body_ciphertext": current.cipher.encrypt_message(message_id, text),
            "status": status,
        }
        await chats.store.create_message(message)
        await chats.remember(current.id, held, message)
    return message_id
