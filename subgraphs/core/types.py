"""Entities and types of the core app.

Chat texts are decrypted per field, when selected: a message whose ciphertext fails its
integrity check answers null with one DATA_INTEGRITY error at its path, and its neighbours
still read. Other users' chats are never built (NOT_FOUND in the service).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from shared.apps.directives import public, signed_in
from shared.crypto import ChatCipher
from subgraphs.core.chats.ids import unpad_title
from subgraphs.core.chats.keys import chat_keys
from subgraphs.core.context import request_scope

Row = dict[str, Any]


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


# @auth: signed-in callers only; owner-only checks (NOT_FOUND for others) live in resolvers.
@strawberry.federation.type(
    keys=["id"], description="A person with an account.", directives=[signed_in()]
)
class User:
    id: strawberry.ID

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> User | None:
        """Entity lookup through the request's users loader; unknown ids resolve to null."""
        row = await request_scope(info.context).loaders["directus_users"].load(str(id))
        return cls(id=strawberry.ID(str(row["id"]))) if row else None


@strawberry.federation.type(
    keys=["id"],
    description="A conversation between a user and mates; only its owner can see it.",
    directives=[signed_in("chats:read")],
)
class Chat:
    id: strawberry.ID
    row: strawberry.Private[Row]
    cipher: strawberry.Private[ChatCipher | None]

    @strawberry.field(description="The title (from the first message unless renamed).")
    async def title(self) -> str | None:
        stored = self.row.get("title_ciphertext")
        if stored is None:
            return None
        # Entity lookups leave the key wrapped until a title is asked for.
        cipher = self.cipher or await chat_keys().cipher(str(self.id), str(self.row["wrapped_key"]))
        return unpad_title(cipher.decrypt_title(str(stored)))

    @strawberry.field(description="The mate this chat is with: a built-in id or your mate's id.")
    def mate_id(self) -> strawberry.ID | None:
        mate = self.row.get("mate") or self.row.get("builtin_mate")
        return strawberry.ID(str(mate)) if mate else None

    @strawberry.field(description="When the chat was started.")
    def created_at(self) -> datetime | None:
        return _when(self.row.get("date_created"))

    @classmethod
    def of(cls, row: Row, cipher: ChatCipher | None = None) -> Chat:
        """The type from a chat row and, when already unwrapped, its cipher."""
        return cls(id=strawberry.ID(str(row["id"])), row=row, cipher=cipher)

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Chat | None:
        """The caller's chat by id (batched); unknown and foreign chats resolve to null."""
        from subgraphs.core.chats.runtime import owned_chat_row

        row = await owned_chat_row(info, str(id))
        return cls.of(row) if row is not None else None


@strawberry.type(description="A message of a chat.", directives=[signed_in("chats:read")])
class Message:
    id: strawberry.ID
    chat_id: strawberry.ID
    row: strawberry.Private[Row]
    cipher: strawberry.Private[ChatCipher]

    @strawberry.field(description="user, assistant or system.")
    def role(self) -> str:
        return str(self.row.get("role") or "user")

    @strawberry.field(description="done, or streaming while a reply is being written.")
    def status(self) -> str:
        return str(self.row.get("status") or "done")

    @strawberry.field(description="The message's text; null with DATA_INTEGRITY if tampered.")
    def text(self) -> str | None:
        stored = self.row.get("body_ciphertext")
        if stored is None:
            return None
        return self.cipher.decrypt_message(str(self.row["id"]), str(stored))

    @strawberry.field(description="When the message was stored.")
    def created_at(self) -> datetime | None:
        return _when(self.row.get("date_created"))

    @classmethod
    def of(cls, row: Row, cipher: ChatCipher) -> Message:
        """The type from a message row and its chat's cipher."""
        return cls(
            id=strawberry.ID(str(row["id"])),
            chat_id=strawberry.ID(cipher.chat_id),
            row=row,
            cipher=cipher,
        )


@strawberry.type(
    description="A page of your chats, newest first.", directives=[signed_in("chats:read")]
)
class ChatConnection:
    chats: list[Chat]
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
    has_next_page: bool


@strawberry.type(
    description="A page of a chat's messages, newest first.",
    directives=[signed_in("chats:read")],
)
class MessageConnection:
    messages: list[Message]
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
    has_next_page: bool


@strawberry.type(
    description="The stored message and its chat.", directives=[signed_in("chats:write")]
)
class SentMessage:
    chat_id: strawberry.ID
    message_id: strawberry.ID
    created_chat: bool = strawberry.field(description="True when this message started the chat.")


@strawberry.type(description="A message of a shared chat.", directives=[public()])
class SharedMessage:
    id: strawberry.ID
    row: strawberry.Private[Row]
    cipher: strawberry.Private[ChatCipher]

    @strawberry.field(description="user, assistant or system.")
    def role(self) -> str:
        return str(self.row.get("role") or "user")

    @strawberry.field(description="The text, decrypted with the key of the share link.")
    def text(self) -> str | None:
        stored = self.row.get("body_ciphertext")
        if stored is None:
            return None
        return self.cipher.decrypt_message(str(self.row["id"]), str(stored))

    @strawberry.field(description="When the message was stored.")
    def created_at(self) -> datetime | None:
        return _when(self.row.get("date_created"))


@strawberry.type(
    description="A chat read through a share link: its title and messages, oldest first.",
    directives=[public()],
)
class SharedChat:
    title: str | None
    messages: list[SharedMessage]
