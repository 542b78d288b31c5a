"""A reply's history from the chat's recent window in Redis, and the window kept honest."""

from __future__ import annotations

import asyncio

import pytest

from shared.errors import MatewayError
from subgraphs.ai.history import ReplyContext, chat_service, load_reply_context, store_reply
from subgraphs.core.chats.ids import new_id, seq_of
from subgraphs.core.chats.recent import LIST_PREFIX, META_PREFIX, WINDOW, RecentWindow
from subgraphs.core.chats.service import ChatService, OpenChat
from subgraphs.core.chats.sharing import revoke_share
from tests.subgraphs.core.chats_support import DELETE_CHAT, DELETE_MESSAGE, Chats

LIMIT = 40


async def history_of(chats: Chats, owner: str, chat_id: str, message_id: str) -> list[str]:
    """The texts a reply to `message_id` would send the model."""
    context = await load_reply_context(chat_service(owner), chat_id, message_id, LIMIT)
    return [message.content for message in context.history]


async def test_sends_keep_a_window_of_ciphertext_that_a_reply_reads_without_directus(
    chats: Chats,
) -> None:
    alice = await chats.new_user()
    assert alice.user_id is not None
    first = await chats.send(alice, "Canary one")
    second = await chats.send(alice, "Canary two", first["chatId"])
    window = await chat_service(alice.user_id).recent.read(first["chatId"])
    assert window is not None and window.complete
    assert [m["id"] for m in window.messages] == [second["messageId"], first["messageId"]]
    stored = await chats.message_row(second["messageId"])
    assert window.messages[0]["body_ciphertext"] == stored["body_ciphertext"]
    assert window.chat["owner"] == alice.user_id
    assert "Canary" not in str(window)
    # Directus rows changed behind Mateway's back are not read: the window answers.
    await chats.directus.delete_item("messages", first["messageId"])
    texts = await history_of(chats, alice.user_id, first["chatId"], second["messageId"])
    assert texts == ["Canary one", "Canary two"]


async def test_a_deleted_message_never_reaches_a_later_reply(chats: Chats) -> None:
    alice = await chats.new_user()
    assert alice.user_id is not None
    sent = await chats.send(alice, "Secret to delete")
    chat_id = sent["chatId"]
    await chats.ok(DELETE_MESSAGE, alice, c=chat_id, m=sent["messageId"])
    later = await chats.send(alice, "Hello again", chat_id)
    assert await history_of(chats, alice.user_id, chat_id, later["messageId"]) == ["Hello again"]


async def test_a_window_miss_reads_directus_and_fills_it_for_the_next_reply(
    chats: Chats,
) -> None:
    alice = await chats.new_user()
    assert alice.user_id is not None
    first = await chats.send(alice, "One")
    chat_id = first["chatId"]
    second = await chats.send(alice, "Two", chat_id)
    redis = chats.service.redis()
    await redis.delete(META_PREFIX + chat_id, LIST_PREFIX + chat_id)
    assert await history_of(chats, alice.user_id, chat_id, second["messageId"]) == ["One", "Two"]
    window = await chat_service(alice.user_id).recent.read(chat_id)
    assert window is not None and [m["id"] for m in window.messages] == [
        second["messageId"],
        first["messageId"],
    ]
    # Replying to the older message: the history ends there.
    assert await history_of(chats, alice.user_id, chat_id, first["messageId"]) == ["One"]


async def test_a_rekeyed_chat_invalidates_its_window_and_replies_still_decrypt(
    chats: Chats,
) -> None:
    alice = await chats.new_user()
    assert alice.user_id is not None
    sent = await chats.send(alice, "Before the rekey")
    chat_id = sent["chatId"]
    await revoke_share(chat_service(alice.user_id), chat_id)
    assert await chat_service(alice.user_id).recent.read(chat_id) is None
    later = await chats.send(alice, "After the rekey", chat_id)
    texts = await history_of(chats, alice.user_id, chat_id, later["messageId"])
    assert texts == ["Before the rekey", "After the rekey"]


async def reply_started(chats: Chats) -> tuple[ChatService, ReplyContext]:
    """A new chat with one message, and a reply's context read for it (from the window)."""
    alice = await chats.new_user()
    assert alice.user_id is not None
    sent = await chats.send(alice, "Question")
    service = chat_service(alice.user_id)
    return service, await load_reply_context(service, sent["chatId"], sent["messageId"], LIMIT)


async def stored_text(chats: Chats, chat: OpenChat, message_id: str) -> str:
    """The stored message, decrypted with `chat`'s key."""
    row = await chats.message_row(message_id)
    return chat.cipher.decrypt_message(message_id, row["body_ciphertext"])


async def test_storing_a_reply_opens_the_chat_from_the_window_not_directus(
    chats: Chats,
) -> None:
    service, context = await reply_started(chats)
    # The row changed behind Mateway's back: read now, it would not unwrap.
    await chats.directus.update_item("chats", context.chat.id, {"wrapped_key": "v1:not-a-key"})
    stored_id = await store_reply(service, context.chat, "The answer", "complete")
    assert await stored_text(chats, context.chat, stored_id) == "The answer"


async def test_a_reply_stored_after_a_rekey_uses_the_new_key(chats: Chats) -> None:
    service, context = await reply_started(chats)
    await revoke_share(service, context.chat.id)  # re-keys the chat while the reply streams
    stored_id = await store_reply(service, context.chat, "The answer", "complete")
    reopened = await service.open(context.chat.id)
    assert await stored_text(chats, reopened, stored_id) == "The answer"


async def test_another_users_reply_context_is_not_found_even_when_a_window_exists(
    chats: Chats,
) -> None:
    alice, bob = await chats.new_user(), await chats.new_user()
    assert bob.user_id is not None
    assert alice.user_id is not None
    sent = await chats.send(alice, "Mine")
    # While Alice's chat is locked (a send in progress), Bob is told at once, from the
    # window: his request neither waits for nor takes her chat's lock.
    async with chat_service(alice.user_id).chat_lock(sent["chatId"]):
        with pytest.raises(MatewayError) as caught:
            async with asyncio.timeout(2):
                await history_of(chats, bob.user_id, sent["chatId"], sent["messageId"])
    assert caught.value.code.value == "NOT_FOUND"


async def test_deleting_the_chat_removes_its_window_from_redis(chats: Chats) -> None:
    alice = await chats.new_user()
    sent = await chats.send(alice, "Shred me")
    chat_id = sent["chatId"]
    redis = chats.service.redis()
    assert await redis.exists(META_PREFIX + chat_id, LIST_PREFIX + chat_id) == 2
    await chats.ok(DELETE_CHAT, alice, c=chat_id)
    assert await redis.exists(META_PREFIX + chat_id, LIST_PREFIX + chat_id) == 0


async def test_an_append_under_an_old_generation_is_ignored(chats: Chats) -> None:
    alice = await chats.new_user()
    assert alice.user_id is not None
    sent = await chats.send(alice, "Hi")
    recent = chat_service(alice.user_id).recent
    stray = {"id": new_id(), "seq": 1, "role": "user", "body_ciphertext": "x"}
    await recent.append(sent["chatId"], b"an old generation", stray)
    window = await recent.read(sent["chatId"])
    assert window is not None and [m["id"] for m in window.messages] == [sent["messageId"]]


async def test_a_long_chat_keeps_only_the_newest_messages_and_older_replies_use_directus(
    chats: Chats,
) -> None:
    alice = await chats.new_user()
    assert alice.user_id is not None
    first = await chats.send(alice, "m0")
    chat_id, ids = first["chatId"], [first["messageId"]]
    for index in range(1, WINDOW + 3):
        ids.append((await chats.send(alice, f"m{index}", chat_id))["messageId"])
    window = await chat_service(alice.user_id).recent.read(chat_id)
    assert window is not None and not window.complete and len(window.messages) == WINDOW
    newest = await history_of(chats, alice.user_id, chat_id, ids[-1])
    assert newest == [f"m{i}" for i in range(len(ids) - LIMIT, len(ids))]
    assert await history_of(chats, alice.user_id, chat_id, ids[1]) == ["m0", "m1"]


def _row(message_id: str) -> dict[str, object]:
    return {"id": message_id, "seq": seq_of(message_id), "role": "user", "body_ciphertext": ""}


def test_a_trimmed_window_too_short_for_the_limit_cannot_answer() -> None:
    ids = sorted(new_id() for _ in range(3))
    rows = [_row(i) for i in reversed(ids)]
    assert RecentWindow({}, rows, complete=False).history(ids[-1], limit=5) is None
    assert RecentWindow({}, rows, complete=True).history(ids[-1], limit=5) == rows
    assert RecentWindow({}, rows, complete=False).history(ids[-1], limit=2) == rows[:2]
    assert RecentWindow({}, rows, complete=True).history(ids[0], limit=5) == rows[2:]
    assert RecentWindow({}, rows, complete=True).history(new_id(), limit=5) is None
