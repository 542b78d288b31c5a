"""Collections of chats in Directus: CRUD, chat links checked against the chat's owner."""

from __future__ import annotations

from typing import Any

from shared.directus.client import DirectusClient
from tests.subgraphs.mates.conftest import Caller

SHAPE = "id name chats { id }"
CREATE = f"mutation($name: String!) {{ createCollection(name: $name) {{ {SHAPE} }} }}"
RENAME = (
    f"mutation($id: ID!, $name: String!) {{ renameCollection(id: $id, name: $name) {{ {SHAPE} }} }}"
)
DELETE = "mutation($id: ID!) { deleteCollection(id: $id) }"
ADD = (
    f"mutation($c: ID!, $chat: ID!) {{ addChatToCollection(collectionId: $c, chatId: $chat) "
    f"{{ {SHAPE} }} }}"
)
REMOVE = (
    "mutation($c: ID!, $chat: ID!) "
    f"{{ removeChatFromCollection(collectionId: $c, chatId: $chat) {{ {SHAPE} }} }}"
)
LIST = f"{{ collections {{ {SHAPE} createdAt }} }}"
ONE = f"query($id: ID!) {{ collection(id: $id) {{ {SHAPE} }} }}"


async def new_collection(caller: Caller, name: str = "Travel") -> dict[str, Any]:
    """A new collection of `caller`."""
    collection: dict[str, Any] = (await caller.ok(CREATE, name=name))["createCollection"]
    return collection


async def test_created_collection_is_listed_empty(alice: Caller) -> None:
    collection = await new_collection(alice, "  Travel  ")
    assert collection["name"] == "Travel" and collection["chats"] == []
    listed = (await alice.ok(LIST))["collections"]
    assert [(c["id"], c["name"], c["chats"]) for c in listed] == [(collection["id"], "Travel", [])]
    assert listed[0]["createdAt"]


async def test_chats_are_added_once_in_order_and_removed(
    alice: Caller, directus: DirectusClient
) -> None:
    collection = await new_collection(alice)
    first, second = await alice.chat(directus), await alice.chat(directus)
    for chat in (first, second, first):  # adding again changes nothing
        data = await alice.ok(ADD, c=collection["id"], chat=chat)
    assert data["addChatToCollection"]["chats"] == [{"id": first}, {"id": second}]
    data = await alice.ok(REMOVE, c=collection["id"], chat=first)
    assert data["removeChatFromCollection"]["chats"] == [{"id": second}]
    assert await alice.error_code(REMOVE, c=collection["id"], chat=first) == "NOT_FOUND"


async def test_listing_collections_reads_links_in_one_batch(
    alice: Caller, directus: DirectusClient
) -> None:
    chat = await alice.chat(directus)
    ids = [(await new_collection(alice, f"C{n}"))["id"] for n in range(3)]
    for collection_id in ids:
        await alice.ok(ADD, c=collection_id, chat=chat)
    listed = (await alice.ok(LIST))["collections"]
    assert [(c["id"], c["chats"]) for c in listed] == [(i, [{"id": chat}]) for i in ids]


async def test_rename_and_delete_keep_the_chats(alice: Caller, directus: DirectusClient) -> None:
    collection = await new_collection(alice)
    chat = await alice.chat(directus)
    await alice.ok(ADD, c=collection["id"], chat=chat)
    renamed = (await alice.ok(RENAME, id=collection["id"], name="Work"))["renameCollection"]
    assert (renamed["name"], renamed["chats"]) == ("Work", [{"id": chat}])
    assert (await alice.ok(DELETE, id=collection["id"])) == {"deleteCollection": True}
    assert await alice.error_code(ONE, id=collection["id"]) == "NOT_FOUND"
    links = await directus.read_items(
        "collections_chats", filter={"collections_id": {"_eq": collection["id"]}}
    )
    assert links == []
    assert await directus.read_item("chats", chat, fields=["id"]) == {"id": chat}


async def test_a_deleted_chat_leaves_its_collections(
    alice: Caller, directus: DirectusClient
) -> None:
    collection = await new_collection(alice)
    chat = await alice.chat(directus)
    await alice.ok(ADD, c=collection["id"], chat=chat)
    await directus.delete_item("chats", chat)  # what core's deleteChat does last
    assert (await alice.ok(ONE, id=collection["id"]))["collection"]["chats"] == []


async def test_collection_names_are_validated(alice: Caller) -> None:
    for name in ("", "   ", "x" * 101):
        _, errors = await alice.run(CREATE, name=name)
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert errors[0]["extensions"]["fields"][0]["field"] == "name"
    collection = await new_collection(alice)
    assert await alice.error_code(RENAME, id=collection["id"], name="") == "BAD_USER_INPUT"
    assert (await alice.ok(LIST))["collections"][-1]["name"] == "Travel"


async def test_unknown_chat_or_collection_is_not_found(
    alice: Caller, directus: DirectusClient
) -> None:
    collection = await new_collection(alice)
    chat = await alice.chat(directus)
    missing = "00000000-0000-4000-8000-000000000000"
    assert await alice.error_code(ADD, c=collection["id"], chat=missing) == "NOT_FOUND"
    assert await alice.error_code(ADD, c=collection["id"], chat="nope") == "NOT_FOUND"
    assert await alice.error_code(ADD, c=missing, chat=chat) == "NOT_FOUND"
    assert await alice.error_code(ONE, id="nope") == "NOT_FOUND"
