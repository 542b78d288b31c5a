"""Ownership: user B gets NOT_FOUND for every operation on user A's mates and collections,
and cannot put A's chat into B's collection; nothing of A's changes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shared.directus.client import DirectusClient
from shared.identity import Identity
from tests.subgraphs.mates.conftest import Caller, new_caller
from tests.subgraphs.mates.test_collections import ADD, REMOVE, RENAME, new_collection
from tests.subgraphs.mates.test_collections import DELETE as DELETE_COLLECTION
from tests.subgraphs.mates.test_collections import LIST as LIST_COLLECTIONS
from tests.subgraphs.mates.test_collections import ONE as ONE_COLLECTION
from tests.subgraphs.mates.test_mates_crud import DELETE, ONE, PAGE, UPDATE, create

ENTITY = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Mate { id name } } }"
USER_FIELDS = (
    "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { collections { id } } } }"
)


async def test_another_users_mate_is_not_found_for_every_operation(
    alice: Caller, bob: Caller
) -> None:
    mate = await create(alice)
    attempts: list[tuple[str, dict[str, Any]]] = [
        (ONE, {"id": mate["id"]}),
        (UPDATE, {"id": mate["id"], "input": {"name": "Stolen"}}),
        (DELETE, {"id": mate["id"]}),
    ]
    for query, variables in attempts:
        assert await bob.error_code(query, **variables) == "NOT_FOUND", query
    page = (await bob.ok(PAGE, first=100))["mates"]
    assert mate["id"] not in [node["id"] for node in page["nodes"]]
    assert (await alice.ok(ONE, id=mate["id"]))["mate"] == mate


async def test_another_users_mate_resolves_to_null_as_an_entity(alice: Caller, bob: Caller) -> None:
    mate = await create(alice)
    representations = [{"__typename": "Mate", "id": mate["id"]}]
    assert await bob.ok(ENTITY, r=representations) == {"_entities": [None]}
    assert await alice.ok(ENTITY, r=representations) == {
        "_entities": [{"id": mate["id"], "name": "Gus"}]
    }


async def test_another_users_collection_is_not_found_for_every_operation(
    alice: Caller, bob: Caller, directus: DirectusClient
) -> None:
    collection = await new_collection(alice)
    alices_chat = await alice.chat(directus)
    await alice.ok(ADD, c=collection["id"], chat=alices_chat)
    bobs_chat = await bob.chat(directus)
    attempts: list[tuple[str, dict[str, Any]]] = [
        (ONE_COLLECTION, {"id": collection["id"]}),
        (RENAME, {"id": collection["id"], "name": "Mine"}),
        (DELETE_COLLECTION, {"id": collection["id"]}),
        (ADD, {"c": collection["id"], "chat": bobs_chat}),
        (ADD, {"c": collection["id"], "chat": alices_chat}),
        (REMOVE, {"c": collection["id"], "chat": alices_chat}),
    ]
    for query, variables in attempts:
        assert await bob.error_code(query, **variables) == "NOT_FOUND", (query, variables)
    assert (await bob.ok(LIST_COLLECTIONS))["collections"] == []
    unchanged = (await alice.ok(ONE_COLLECTION, id=collection["id"]))["collection"]
    assert (unchanged["name"], unchanged["chats"]) == ("Travel", [{"id": alices_chat}])


async def test_another_users_chat_cannot_join_my_collection_and_looks_missing(
    alice: Caller, bob: Caller, directus: DirectusClient
) -> None:
    alices_chat = await alice.chat(directus)
    bobs = await new_collection(bob)
    _, taken = await bob.run(ADD, c=bobs["id"], chat=alices_chat)
    _, missing = await bob.run(ADD, c=bobs["id"], chat="00000000-0000-4000-8000-000000000000")
    # Same code and message: B cannot tell A's chat from one that does not exist.
    assert [(e["message"], e["extensions"]) for e in taken] == [
        (e["message"], e["extensions"]) for e in missing
    ]
    assert taken[0]["extensions"]["code"] == "NOT_FOUND"
    assert (await bob.ok(ONE_COLLECTION, id=bobs["id"]))["collection"]["chats"] == []


async def test_another_users_profile_fields_are_not_found(alice: Caller, bob: Caller) -> None:
    await new_collection(alice)
    _, errors = await bob.run(USER_FIELDS, r=[{"__typename": "User", "id": alice.user_id}])
    assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"]
    data = await alice.ok(USER_FIELDS, r=[{"__typename": "User", "id": alice.user_id}])
    assert len(data["_entities"][0]["collections"]) == 1


async def test_an_api_key_acts_for_its_owner_only(alice: Caller, directus: DirectusClient) -> None:
    mate = await create(alice)
    others_key = await new_caller(directus, api_key_scopes="mates:read")
    assert await others_key.error_code(ONE, id=mate["id"]) == "NOT_FOUND"
    alices_key = Caller(alice.user_id, replace(others_key.identity, user_id=alice.user_id))
    assert (await alices_key.ok(ONE, id=mate["id"]))["mate"]["id"] == mate["id"]


async def test_anonymous_callers_are_unauthenticated(alice: Caller) -> None:
    anonymous = Caller("", Identity.anonymous())
    assert await anonymous.error_code("{ collections { id } }") == "UNAUTHENTICATED"
    assert await anonymous.error_code(PAGE, first=1) == "UNAUTHENTICATED"
