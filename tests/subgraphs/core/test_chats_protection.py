"""Chat protection: ownership, tampering, crypto-shredding, sharing, and cancel signals."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis

from shared.crypto import ChatCipher, ChatKeyManager, DataKey, DecryptionError, LocalKeyring
from shared.directus.runtime import DirectusServer
from subgraphs.core.chats.cancel import cancellation
from subgraphs.core.chats.keys import chat_rows, use_chat_keys, use_chat_rows
from subgraphs.core.chats.rows import ChatRowCache
from tests.shared.conftest import valkey
from tests.subgraphs.core.chats_support import (
    CANCEL,
    CHAT,
    CHATS,
    DELETE_CHAT,
    DELETE_MESSAGE,
    MESSAGES,
    RENAME,
    REVOKE,
    SEND,
    SHARE,
    SHARE_BASE,
    SHARED,
    Chats,
    chats,
    codes,
)

__all__ = ["chats", "valkey"]


async def test_another_user_gets_not_found_for_every_chat_operation(chats: Chats) -> None:
    alice, bob = await chats.new_user(), await chats.new_user()
    sent = await chats.send(alice, "alice's secret plans")
    chat_id, message_id = sent["chatId"], sent["messageId"]
    unknown = "01900000-0000-7000-8000-000000000000"
    operations = [
        (CHAT, {"id": chat_id}),
        (MESSAGES, {"chatId": chat_id}),
        (SEND, {"input": {"text": "intrusion", "chatId": chat_id}}),
        (RENAME, {"c": chat_id, "t": "mine now"}),
        (DELETE_MESSAGE, {"c": chat_id, "m": message_id}),
        (CANCEL, {"c": chat_id, "m": message_id}),
        (SHARE, {"c": chat_id}),
        (REVOKE, {"c": chat_id}),
        (DELETE_CHAT, {"c": chat_id}),
    ]
    for query, variables in operations:
        data, errors = await chats.run(query, bob, **variables)
        assert codes(errors) == ["NOT_FOUND"], (query, errors)
        assert "alice" not in str(data)
        # An id that exists nowhere answers exactly the same: existence is not revealed.
        swapped = {k: (unknown if v == chat_id else v) for k, v in variables.items()}
        if "input" in swapped:
            swapped["input"] = {**variables["input"], "chatId": unknown}
        _, unknown_errors = await chats.run(query, bob, **swapped)
        assert [e["message"] for e in unknown_errors] == [e["message"] for e in errors]
    assert (await chats.ok(CHATS, bob))["chats"]["chats"] == []
    still = await chats.ok(MESSAGES, alice, chatId=chat_id)
    assert [m["text"] for m in still["chatMessages"]["messages"]] == ["alice's secret plans"]


async def test_swapped_ciphertexts_are_integrity_errors_and_others_still_read(
    chats: Chats,
) -> None:
    alice = await chats.new_user()
    one = await chats.send(alice, "first message")
    two = await chats.send(alice, "second message", one["chatId"])
    three = await chats.send(alice, "third message", one["chatId"])
    other = await chats.send(alice, "another chat's message")
    body = {
        m: (await chats.message_row(m))["body_ciphertext"]
        for m in (one["messageId"], two["messageId"], other["messageId"])
    }
    # Between rows of one chat, and between chats.
    await chats.directus.update_item(
        "messages", one["messageId"], {"body_ciphertext": body[two["messageId"]]}
    )
    await chats.directus.update_item(
        "messages", two["messageId"], {"body_ciphertext": body[one["messageId"]]}
    )
    await chats.directus.update_item(
        "messages", other["messageId"], {"body_ciphertext": body[one["messageId"]]}
    )
    data, errors = await chats.run(MESSAGES, alice, chatId=one["chatId"])
    assert data is not None
    texts = {m["id"]: m["text"] if m else None for m in data["chatMessages"]["messages"]}
    assert texts[three["messageId"]] == "third message"
    assert texts[one["messageId"]] is None and texts[two["messageId"]] is None
    assert sorted(codes(errors)) == ["DATA_INTEGRITY", "DATA_INTEGRITY"]
    assert all(e["message"] == "Stored data failed its integrity check" for e in errors)
    data, errors = await chats.run(MESSAGES, alice, chatId=other["chatId"])
    assert codes(errors) == ["DATA_INTEGRITY"]
    # A title moved to another chat fails the same way; the list survives.
    title = (await chats.chat_row(other["chatId"]))["title_ciphertext"]
    await chats.directus.update_item("chats", one["chatId"], {"title_ciphertext": title})
    data, errors = await chats.run(CHATS, alice)
    assert codes(errors) == ["DATA_INTEGRITY"] and data is not None
    titles = [c["title"] for c in data["chats"]["chats"] if c]
    assert "another chat's message" in titles


async def test_deleted_chat_is_shredded_even_with_the_database_file_and_keyring(
    chats: Chats, platform_directus: DirectusServer
) -> None:
    alice = await chats.new_user()
    # Neighbours on the same database page, and a row rewritten by rename and revoke: the
    # cases where SQLite would leave a freed copy of a row behind.
    before = await chats.send(alice, "a chat before")
    sent = await chats.send(alice, "shred this please")
    after = await chats.send(alice, "a chat after")
    await chats.ok(RENAME, alice, c=sent["chatId"], t="renamed before the shred")
    await chats.ok(SHARE, alice, c=sent["chatId"])
    await chats.ok(REVOKE, alice, c=sent["chatId"])
    wrapped = str((await chats.chat_row(sent["chatId"]))["wrapped_key"])
    ciphertext = (await chats.message_row(sent["messageId"]))["body_ciphertext"]
    await chats.ok(DELETE_CHAT, alice, c=sent["chatId"])
    assert await chats.directus.read_item("chats", sent["chatId"]) is None
    rows = await chats.directus.read_items("messages", filter={"chat": {"_eq": sent["chatId"]}})
    assert rows == []
    database = b"".join(
        path.read_bytes() for path in platform_directus.config.data_dir.glob("*.sqlite*")
    )
    assert wrapped.split(".", 1)[1].encode() not in database
    # With the keyring (a fresh process reading the same file), no stored key left in the
    # database file opens the captured ciphertext.
    keyring = chats.keys.backend
    assert isinstance(keyring, LocalKeyring)
    fresh = ChatKeyManager(LocalKeyring(chats.keyring_path, chats.keyring_master))
    candidates = set(re.findall(rb"\d+\.local:v\d+:[A-Za-z0-9_-]+", database))
    assert len(candidates) >= 2  # the neighbours' keys are there to try
    for candidate in candidates:
        with pytest.raises(DecryptionError):
            cipher = await fresh.cipher(sent["chatId"], candidate.decode())
            cipher.decrypt_message(sent["messageId"], ciphertext)
    # The neighbours are untouched.
    for other in (before, after):
        data = await chats.ok(MESSAGES, alice, chatId=other["chatId"])
        assert data["chatMessages"]["messages"][0]["text"].startswith("a chat")
    _, errors = await chats.run(CHAT, alice, id=sent["chatId"])
    assert codes(errors) == ["NOT_FOUND"]


def _split(link: str) -> tuple[str, str]:
    parts = urlsplit(link)
    assert link.startswith(SHARE_BASE + "/share/")
    return parts.path.rsplit("/", 1)[1], parts.fragment


async def test_share_link_reads_its_chat_only_and_nothing_after_revoke(chats: Chats) -> None:
    alice = await chats.new_user()
    shared = await chats.send(alice, "shared hello")
    await chats.send(alice, "shared reply", shared["chatId"])
    private = await chats.send(alice, "private diary")
    link = (await chats.ok(SHARE, alice, c=shared["chatId"]))["shareChat"]
    token, key = _split(link)
    shares = await chats.directus.read_items(
        "chat_shares", filter={"chat": {"_eq": shared["chatId"]}}
    )
    assert len(shares) == 1 and token not in str(shares) and key not in str(shares)
    data = await chats.ok(SHARED, None, t=token, k=key)
    assert data["sharedChat"]["title"] == "shared hello"
    assert [m["text"] for m in data["sharedChat"]["messages"]] == ["shared hello", "shared reply"]
    # The key opens nothing else of the same user.
    private_row = await chats.message_row(private["messageId"])
    private_title = (await chats.chat_row(private["chatId"]))["title_ciphertext"]
    cipher = ChatCipher(private["chatId"], DataKey.from_share_token(key))
    with pytest.raises(DecryptionError):
        cipher.decrypt_message(private["messageId"], private_row["body_ciphertext"])
    with pytest.raises(DecryptionError):
        cipher.decrypt_title(private_title)
    # A wrong key is a clear error; an unknown token is NOT_FOUND.
    _, errors = await chats.run(SHARED, None, t=token, k=DataKey.generate().share_token())
    assert codes(errors) == ["BAD_USER_INPUT"] and errors[0]["extensions"]["reason"] == "wrong_key"
    _, errors = await chats.run(SHARED, None, t="nope" + token, k=key)
    assert codes(errors) == ["NOT_FOUND"]
    # Revoke: the link reads nothing, and the old key opens nothing stored.
    await chats.ok(REVOKE, alice, c=shared["chatId"])
    _, errors = await chats.run(SHARED, None, t=token, k=key)
    assert codes(errors) == ["NOT_FOUND"]
    old = ChatCipher(shared["chatId"], DataKey.from_share_token(key))
    stored = await chats.message_row(shared["messageId"])
    with pytest.raises(DecryptionError):
        old.decrypt_message(shared["messageId"], stored["body_ciphertext"])
    with pytest.raises(DecryptionError):
        old.decrypt_title((await chats.chat_row(shared["chatId"]))["title_ciphertext"])
    # The owner still reads everything, and a new link carries the new key.
    data = await chats.ok(MESSAGES, alice, chatId=shared["chatId"])
    assert [m["text"] for m in data["chatMessages"]["messages"]] == ["shared reply", "shared hello"]
    new_token, new_key = _split((await chats.ok(SHARE, alice, c=shared["chatId"]))["shareChat"])
    assert new_key != key
    _, errors = await chats.run(SHARED, None, t=new_token, k=key)
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert (await chats.ok(SHARED, None, t=new_token, k=new_key))["sharedChat"]["title"]


async def test_cancel_reply_reaches_a_listening_producer(chats: Chats) -> None:
    alice = await chats.new_user()
    sent = await chats.send(alice, "write me a long story")
    redis = Redis.from_url(chats.valkey.url(chats.redis_db))
    try:
        async with cancellation(redis, sent["messageId"]) as stop:
            assert not stop.is_set()
            data = await chats.ok(CANCEL, alice, c=sent["chatId"], m=sent["messageId"])
            assert data["cancelReply"] is True
            await asyncio.wait_for(stop.wait(), timeout=5)
        # A producer that starts listening after the click still stops.
        async with cancellation(redis, sent["messageId"]) as late:
            assert late.is_set()
        other = await chats.send(alice, "no cancel here", sent["chatId"])
        async with cancellation(redis, other["messageId"]) as quiet:
            await asyncio.sleep(0.2)
            assert not quiet.is_set()
    finally:
        await redis.aclose()


async def test_chat_entities_resolve_for_their_owner_only(chats: Chats) -> None:
    alice, bob = await chats.new_user(), await chats.new_user()
    sent = await chats.send(alice, "entity title")
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Chat { id title } } }"""

    def representations() -> list[dict[str, str]]:
        # Fresh each call: the federation resolver consumes `__typename` from the dicts.
        return [{"__typename": "Chat", "id": sent["chatId"]}]

    mine = await chats.ok(query, alice, r=representations())
    assert mine["_entities"] == [{"id": sent["chatId"], "title": "entity title"}]
    for caller in (bob, None):
        data, errors = await chats.run(query, caller, r=representations())
        assert errors == [] and data == {"_entities": [None]}


async def test_a_process_with_a_cached_chat_row_follows_a_rekey_made_elsewhere(
    chats: Chats,
) -> None:
    alice = await chats.new_user()
    first = await chats.send(alice, "before the revoke")
    await chats.send(alice, "cached now", first["chatId"])  # this process caches the row
    mine = chat_rows()
    # Another process (its own row and key caches) revokes the share: the chat is re-keyed.
    other_keys = ChatKeyManager(LocalKeyring(chats.keyring_path, chats.keyring_master))
    use_chat_rows(ChatRowCache())
    use_chat_keys(other_keys)
    await chats.ok(REVOKE, alice, c=first["chatId"])
    use_chat_rows(mine)
    use_chat_keys(chats.keys)
    # This process sends again: it must encrypt under the new key, not its cached old one.
    await chats.send(alice, "after the revoke", first["chatId"])
    data, errors = await chats.run(MESSAGES, alice, chatId=first["chatId"])
    assert errors == []
    texts = [m["text"] for m in data["chatMessages"]["messages"]]
    assert texts == ["after the revoke", "cached now", "before the revoke"]


async def test_a_deleted_chat_refuses_sends_from_a_process_that_cached_it(chats: Chats) -> None:
    alice = await chats.new_user()
    sent = await chats.send(alice, "soon gone")
    await chats.send(alice, "cached now", sent["chatId"])
    mine = chat_rows()
    use_chat_rows(ChatRowCache())
    await chats.ok(DELETE_CHAT, alice, c=sent["chatId"])
    use_chat_rows(mine)
    _, errors = await chats.run(SEND, alice, input={"text": "late", "chatId": sent["chatId"]})
    assert codes(errors) == ["NOT_FOUND"]
