"""The chats, messages and chat_shares rows in Directus, always read through their owner.

Every read of a chat filters by owner in the same query, so another user's chat and a chat
that does not exist are the same empty answer (NOT_FOUND): existence is never revealed.
Rows hold only ciphertext (`title_ciphertext`, `body_ciphertext`) and the wrapped key.
"""

from __future__ import annotations

from typing import Any

from shared.directus.client import DirectusClient, collection_path
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.chats.ids import Cursor

CHATS = "chats"
MESSAGES = "messages"
SHARES = "chat_shares"
CHAT_FIELDS = [
    "id",
    "seq",
    "title_ciphertext",
    "wrapped_key",
    "mate",
    "builtin_mate",
    "date_created",
]
MESSAGE_FIELDS = ["id", "seq", "role", "body_ciphertext", "status", "date_created"]

Row = dict[str, Any]


def not_found(what: str = "chat") -> MatewayError:
    """The one answer for unknown and foreign resources alike."""
    return MatewayError(ErrorCode.NOT_FOUND, f"No such {what}")


class ChatStore:
    """Directus access for chats; the caller's user id scopes every chat read."""

    def __init__(self, client: DirectusClient) -> None:
        self._client = client

    async def owned_chat(self, owner: str, chat_id: str, fields: list[str] | None = None) -> Row:
        """The owner's chat row; NOT_FOUND when it is missing or someone else's."""
        rows = await self._client.read_items(
            CHATS,
            filter={"id": {"_eq": chat_id}, "owner": {"_eq": owner}},
            fields=fields or CHAT_FIELDS,
            limit=1,
        )
        if not rows:
            raise not_found()
        return rows[0]

    async def chat_by_id(self, chat_id: str, fields: list[str]) -> Row | None:
        """A chat row without an owner check: only for share links, after the token matched."""
        return await self._client.read_item(CHATS, chat_id, fields=fields)

    async def create_chat(self, row: Row) -> None:
        """Insert a chat row (its id, owner, wrapped key and title ciphertext)."""
        await self._client.create_item(CHATS, row)

    async def update_chat(self, chat_id: str, data: Row) -> None:
        """Change fields of a chat row."""
        await self._client.update_item(CHATS, chat_id, data)

    async def list_chats(self, owner: str, after: Cursor | None, limit: int) -> list[Row]:
        """The owner's chats, newest first, those after the cursor when given."""
        where: Row = {"owner": {"_eq": owner}}
        if after is not None:
            where = {"_and": [where, after.where()]}
        return await self._client.read_items(
            CHATS, filter=where, fields=CHAT_FIELDS, sort=["-seq", "-id"], limit=limit
        )

    async def create_message(self, row: Row) -> None:
        """Insert a message row (with other chats' concurrent ones, in one Directus call)."""
        await self._client.add_item(MESSAGES, row)

    async def list_messages(self, chat_id: str, after: Cursor | None, limit: int) -> list[Row]:
        """A chat's messages, newest first, those after the cursor when given."""
        where: Row = {"chat": {"_eq": chat_id}}
        if after is not None:
            where = {"_and": [where, after.where()]}
        return await self._client.read_items(
            MESSAGES, filter=where, fields=MESSAGE_FIELDS, sort=["-seq", "-id"], limit=limit
        )

    async def all_message_bodies(self, chat_id: str) -> dict[str, str]:
        """message id -> body ciphertext of every message of the chat that has a body."""
        rows = await self._client.read_items(
            MESSAGES,
            filter={"chat": {"_eq": chat_id}, "body_ciphertext": {"_nnull": True}},
            fields=["id", "body_ciphertext"],
            limit=-1,
        )
        return {str(row["id"]): str(row["body_ciphertext"]) for row in rows}

    async def update_message_bodies(self, bodies: dict[str, str]) -> None:
        """Replace several messages' bodies in one call (Directus runs it as one transaction)."""
        if bodies:
            payload = [{"id": mid, "body_ciphertext": body} for mid, body in bodies.items()]
            await self._client.data("PATCH", collection_path(MESSAGES), json=payload)

    async def message_in_chat(self, chat_id: str, message_id: str) -> Row:
        """The message row when it belongs to the chat; NOT_FOUND otherwise."""
        rows = await self._client.read_items(
            MESSAGES,
            filter={"id": {"_eq": message_id}, "chat": {"_eq": chat_id}},
            fields=["id"],
            limit=1,
        )
        if not rows:
            raise not_found("message")
        return rows[0]

    async def delete_message(self, message_id: str) -> None:
        """Delete one message row."""
        await self._client.delete_item(MESSAGES, message_id)

    async def delete_chat(self, chat_id: str) -> None:
        """Delete the chat row; its messages and shares go with it (on delete cascade)."""
        await self._client.delete_item(CHATS, chat_id)

    async def add_share(self, chat_id: str, token_hash: str) -> None:
        """Record a share token's hash for the chat."""
        await self._client.create_item(SHARES, {"chat": chat_id, "token_hash": token_hash})

    async def shared_chat_id(self, token_hash: str) -> str | None:
        """The chat a share token's hash opens, if any."""
        rows = await self._client.read_items(
            SHARES, filter={"token_hash": {"_eq": token_hash}}, fields=["chat"], limit=1
        )
        return str(rows[0]["chat"]) if rows else None

    async def delete_shares(self, chat_id: str) -> None:
        """Delete every share token of the chat."""
        rows = await self._client.read_items(
            SHARES, filter={"chat": {"_eq": chat_id}}, fields=["id"], limit=-1
        )
        if rows:
            ids = [row["id"] for row in rows]
            await self._client.request("DELETE", collection_path(SHARES), json=ids)
