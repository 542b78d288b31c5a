"""Chats on the core subgraph: send, list and read (decrypted), rename, delete, validation."""

from __future__ import annotations

import httpx

from tests.shared.conftest import valkey
from tests.subgraphs.core.chats_support import (
    CHAT,
    CHATS,
    DELETE_MESSAGE,
    MESSAGES,
    RENAME,
    SEND,
    Chats,
    chats,
    codes,
)
from tests.support.identity import internal_headers

__all__ = ["chats", "valkey"]


async def test_first_message_creates_an_encrypted_chat_titled_from_it(chats: Chats) -> None:
    alice = await chats.new_user()
    sent = await chats.send(alice, "Plan a trip to Lisbon\nwith a budget of 800 euros")
    assert sent["createdChat"] is True
    data = await chats.ok(CHAT, alice, id=sent["chatId"])
    assert data["chat"]["title"] == "Plan a trip to Lisbon"
    row = await chats.chat_row(sent["chatId"])
    assert "Lisbon" not in str(row) and row["owner"] == alice.user_id
    message = await chats.message_row(sent["messageId"])
    assert "Lisbon" not in str(message) and message["role"] == "user"
    data = await chats.ok(MESSAGES, alice, chatId=sent["chatId"])
    texts = [m["text"] for m in data["chatMessages"]["messages"]]
    assert texts == ["Plan a trip to Lisbon\nwith a budget of 800 euros"]


async def test_messages_page_newest_first_with_cursors(chats: Chats) -> None:
    alice = await chats.new_user()
    chat_id = (await chats.send(alice, "m0"))["chatId"]
    for n in range(1, 5):
        sent = await chats.send(alice, f"m{n}", chat_id)
        assert sent["createdChat"] is False and sent["chatId"] == chat_id
    seen, after, pages = [], None, 0
    while pages < 10:
        data = await chats.ok(MESSAGES, alice, chatId=chat_id, first=2, after=after)
        page = data["chatMessages"]
        seen += [m["text"] for m in page["messages"]]
        pages += 1
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
    assert seen == ["m4", "m3", "m2", "m1", "m0"] and pages == 3


async def test_chats_page_newest_first_with_cursors(chats: Chats) -> None:
    alice = await chats.new_user()
    ids = [(await chats.send(alice, f"chat number {n}"))["chatId"] for n in range(3)]
    first = (await chats.ok(CHATS, alice, first=2))["chats"]
    assert [c["id"] for c in first["chats"]] == [ids[2], ids[1]] and first["hasNextPage"]
    second = (await chats.ok(CHATS, alice, first=2, after=first["endCursor"]))["chats"]
    assert [c["title"] for c in second["chats"]] == ["chat number 0"]
    assert second["hasNextPage"] is False


async def test_rename_stores_the_new_title_encrypted(chats: Chats) -> None:
    alice = await chats.new_user()
    chat_id = (await chats.send(alice, "hello"))["chatId"]
    data = await chats.ok(RENAME, alice, c=chat_id, t="  Kitchen renovation  ")
    assert data["renameChat"]["title"] == "Kitchen renovation"
    assert "Kitchen" not in str(await chats.chat_row(chat_id))
    assert (await chats.ok(CHAT, alice, id=chat_id))["chat"]["title"] == "Kitchen renovation"


async def test_delete_message_removes_only_that_message(chats: Chats) -> None:
    alice = await chats.new_user()
    first = await chats.send(alice, "keep me")
    second = await chats.send(alice, "drop me", first["chatId"])
    await chats.ok(DELETE_MESSAGE, alice, c=first["chatId"], m=second["messageId"])
    data = await chats.ok(MESSAGES, alice, chatId=first["chatId"])
    assert [m["text"] for m in data["chatMessages"]["messages"]] == ["keep me"]
    _, errors = await chats.run(DELETE_MESSAGE, alice, c=first["chatId"], m=second["messageId"])
    assert codes(errors) == ["NOT_FOUND"]


async def test_inputs_are_validated_with_stable_codes(chats: Chats) -> None:
    alice = await chats.new_user()
    chat_id = (await chats.send(alice, "hello"))["chatId"]
    cases = [
        (SEND, {"input": {"text": "   "}}),
        (SEND, {"input": {"text": "x" * 100_001}}),
        (SEND, {"input": {"text": "hi", "chatId": "not-an-id"}}),
        (CHAT, {"id": "../chats"}),
        (MESSAGES, {"chatId": chat_id, "first": 0}),
        (MESSAGES, {"chatId": chat_id, "first": 101}),
        (MESSAGES, {"chatId": chat_id, "after": "bm90LWEtY3Vyc29y"}),
        (RENAME, {"c": chat_id, "t": "t" * 201}),
    ]
    for query, variables in cases:
        _, errors = await chats.run(query, alice, **variables)
        assert codes(errors) == ["BAD_USER_INPUT"], (variables, errors)


async def test_callers_without_a_user_are_unauthenticated(chats: Chats) -> None:
    _, errors = await chats.run(CHATS)
    assert codes(errors) == ["UNAUTHENTICATED"]


async def test_unknown_mate_is_not_found_and_builtin_mate_is_kept(chats: Chats) -> None:
    alice = await chats.new_user()
    _, errors = await chats.run(SEND, alice, input={"text": "hi", "mateId": "builtin-nobody"})
    assert codes(errors) == ["NOT_FOUND"]
    data = await chats.ok(SEND, alice, input={"text": "hi", "mateId": "builtin-sophia"})
    chat = await chats.ok(CHAT, alice, id=data["sendMessage"]["chatId"])
    assert chat["chat"]["mateId"] == "builtin-sophia"


async def test_core_app_serves_chats_to_the_router_internal_token_only(chats: Chats) -> None:
    from subgraphs.core.app import app

    alice = await chats.new_user()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://core") as client:
        body = {"query": SEND, "variables": {"input": {"text": "over the internal token"}}}
        refused = await client.post("/graphql", json=body)
        sent = await client.post("/graphql", json=body, headers=internal_headers(alice))
        listed = await client.post(
            "/graphql", json={"query": CHATS}, headers=internal_headers(alice)
        )
    assert refused.status_code in (401, 403) and "sendMessage" not in refused.text
    assert sent.json()["data"]["sendMessage"]["createdChat"] is True
    titles = [c["title"] for c in listed.json()["data"]["chats"]["chats"]]
    assert titles == ["over the internal token"]


async def test_own_mate_is_kept_and_another_users_mate_is_not_found(chats: Chats) -> None:
    alice, bob = await chats.new_user(), await chats.new_user()
    mine = await chats.directus.create_item(
        "mates", {"name": "Gus", "owner": alice.user_id, "builtin": False}
    )
    data = await chats.ok(SEND, alice, input={"text": "hi", "mateId": mine["id"]})
    chat = await chats.ok(CHAT, alice, id=data["sendMessage"]["chatId"])
    assert chat["chat"]["mateId"] == mine["id"]
    _, errors = await chats.run(SEND, bob, input={"text": "hi", "mateId": mine["id"]})
    assert codes(errors) == ["NOT_FOUND"]
