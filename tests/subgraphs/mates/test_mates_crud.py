"""Mates stored in Directus: create, read, list with cursors, update, delete, validation."""

from __future__ import annotations

from typing import Any

import pytest

from shared.directus.client import DirectusClient
from tests.subgraphs.mates.conftest import Caller

MATE_FIELDS = "id name description systemPrompt preferredModel allowedApps avatarColour builtin"
CREATE = f"mutation($input: CreateMateInput!) {{ createMate(input: $input) {{ {MATE_FIELDS} }} }}"
UPDATE = (
    f"mutation($id: ID!, $input: UpdateMateInput!) {{ updateMate(id: $id, input: $input) "
    f"{{ {MATE_FIELDS} }} }}"
)
DELETE = "mutation($id: ID!) { deleteMate(id: $id) }"
ONE = f"query($id: ID!) {{ mate(id: $id) {{ {MATE_FIELDS} }} }}"
PAGE = (
    "query($first: Int, $after: String) "
    "{ mates(first: $first, after: $after) { nodes { id builtin } nextCursor } }"
)
BUILTINS = ["builtin-sophia", "builtin-finn", "builtin-ada"]


def mate_input(**changes: Any) -> dict[str, Any]:
    """A valid createMate input with some fields changed."""
    values: dict[str, Any] = {
        "name": "Gus",
        "description": "Plans trips",
        "systemPrompt": "You plan trips.",
        "preferredModel": "default",
        "allowedApps": ["web"],
        "avatarColour": "#a1b2c3",
    }
    return {**values, **changes}


async def create(caller: Caller, **changes: Any) -> dict[str, Any]:
    """A new mate of `caller`."""
    data = await caller.ok(CREATE, input=mate_input(**changes))
    mate: dict[str, Any] = data["createMate"]
    return mate


async def test_created_mate_is_stored_for_its_owner(
    alice: Caller, directus: DirectusClient
) -> None:
    mate = await create(alice, allowedApps=["web", "pdf", "web"])
    assert mate["builtin"] is False
    assert mate["avatarColour"] == "#A1B2C3"  # stored in one spelling
    assert mate["allowedApps"] == ["web", "pdf"]
    assert (await alice.ok(ONE, id=mate["id"]))["mate"] == mate
    row = await directus.read_item("mates", mate["id"], fields=["owner", "system_prompt"])
    assert row == {"owner": alice.user_id, "system_prompt": "You plan trips."}


async def test_update_changes_only_the_fields_sent(alice: Caller) -> None:
    mate = await create(alice)
    data = await alice.ok(UPDATE, id=mate["id"], input={"name": "  Augustus ", "allowedApps": []})
    updated = data["updateMate"]
    assert updated == {**mate, "name": "Augustus", "allowedApps": []}
    assert (await alice.ok(ONE, id=mate["id"]))["mate"] == updated


async def test_deleted_mate_is_gone(alice: Caller, directus: DirectusClient) -> None:
    mate = await create(alice)
    assert (await alice.ok(DELETE, id=mate["id"])) == {"deleteMate": True}
    assert await alice.error_code(ONE, id=mate["id"]) == "NOT_FOUND"
    assert await directus.read_item("mates", mate["id"]) is None


async def test_list_pages_through_builtins_then_own_mates_with_cursors(alice: Caller) -> None:
    own = [(await create(alice, name=f"Mate {n}"))["id"] for n in range(3)]
    seen: list[str] = []
    after = None
    for _ in range(10):  # bounded: 6 mates in pages of 2
        page = (await alice.ok(PAGE, first=2, after=after))["mates"]
        seen += [node["id"] for node in page["nodes"]]
        after = page["nextCursor"]
        if after is None:
            break
    assert seen == [*BUILTINS, *own]


async def test_list_shows_builtins_and_only_the_callers_own_mates(
    alice: Caller, bob: Caller
) -> None:
    mine = await create(alice)
    await create(bob)
    page = (await alice.ok(PAGE, first=100))["mates"]
    assert [node["id"] for node in page["nodes"]] == [*BUILTINS, mine["id"]]
    assert page["nextCursor"] is None


async def test_builtin_mate_is_readable_but_read_only(alice: Caller) -> None:
    data = await alice.ok(ONE, id="builtin-finn")
    assert data["mate"]["builtin"] is True and data["mate"]["name"] == "Finn"
    _, errors = await alice.run(UPDATE, id="builtin-finn", input={"name": "Mine now"})
    assert [e["extensions"] for e in errors] == [
        {"code": "FORBIDDEN", "reason": "BUILTIN_READ_ONLY"}
    ]
    assert await alice.error_code(DELETE, id="builtin-finn") == "FORBIDDEN"
    assert (await alice.ok(ONE, id="builtin-finn"))["mate"]["name"] == "Finn"


@pytest.mark.parametrize(
    ("changes", "field", "type_"),
    [
        ({"name": ""}, "name", "string_too_short"),
        ({"name": "x" * 61}, "name", "string_too_long"),
        ({"description": "d" * 501}, "description", "string_too_long"),
        ({"systemPrompt": ""}, "systemPrompt", "string_too_short"),
        ({"systemPrompt": "p" * 20_001}, "systemPrompt", "string_too_long"),
        ({"preferredModel": "two words"}, "preferredModel", "string_pattern_mismatch"),
        ({"avatarColour": "red"}, "avatarColour", "string_pattern_mismatch"),
        ({"avatarColour": "#12345G"}, "avatarColour", "string_pattern_mismatch"),
        ({"allowedApps": ["payments"]}, "allowedApps", "unknown_app"),
        ({"allowedApps": ["web"] * 33}, "allowedApps", "too_long"),
    ],
)
async def test_invalid_input_answers_bad_user_input_naming_the_field(
    alice: Caller, directus: DirectusClient, changes: dict[str, Any], field: str, type_: str
) -> None:
    _, errors = await alice.run(CREATE, input=mate_input(**changes))
    assert len(errors) == 1, errors
    extensions = errors[0]["extensions"]
    assert extensions["code"] == "BAD_USER_INPUT"
    assert [(f["field"], f["type"]) for f in extensions["fields"]] == [(field, type_)]
    rows = await directus.read_items("mates", filter={"owner": {"_eq": alice.user_id}})
    assert rows == []


async def test_invalid_update_changes_nothing(alice: Caller) -> None:
    mate = await create(alice)
    _, errors = await alice.run(
        UPDATE, id=mate["id"], input={"name": "New", "avatarColour": "#zzzzzz"}
    )
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["fields"][0]["field"] == "avatarColour"
    assert (await alice.ok(ONE, id=mate["id"]))["mate"]["name"] == "Gus"


@pytest.mark.parametrize(
    ("first", "after"), [(0, None), (101, None), (2, "not-a-cursor"), (2, "bWF0ZXM6LTE")]
)
async def test_bad_page_arguments_answer_bad_user_input(
    alice: Caller, first: int, after: str | None
) -> None:
    assert await alice.error_code(PAGE, first=first, after=after) == "BAD_USER_INPUT"


async def test_unknown_or_malformed_mate_id_is_not_found(alice: Caller) -> None:
    for mate_id in ("00000000-0000-4000-8000-000000000000", "not-a-uuid", "builtin-nobody"):
        assert await alice.error_code(ONE, id=mate_id) == "NOT_FOUND"
