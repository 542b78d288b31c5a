"""The built-in mates: validated YAML, served as federation entities."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from subgraphs.mates.app import app
from subgraphs.mates.service import load_builtin_mates
from tests.support.identity import internal_headers


async def _query(query: str) -> dict[str, object]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mates") as client:
        response = await client.post("/graphql", json={"query": query}, headers=internal_headers())
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def test_builtin_mates_are_listed_with_their_prompts() -> None:
    body = await _query("{ builtinMates { id name systemPrompt avatarColour builtin } }")
    mates = body["data"]["builtinMates"]  # type: ignore[index]
    assert [mate["id"] for mate in mates] == ["builtin-sophia", "builtin-finn", "builtin-ada"]
    assert all(mate["builtin"] and mate["systemPrompt"] for mate in mates)


async def test_mate_entity_resolves_by_key_and_unknown_id_is_null() -> None:
    body = await _query(
        '{ _entities(representations: [{__typename: "Mate", id: "builtin-finn"},'
        ' {__typename: "Mate", id: "nobody"}]) { ... on Mate { id name } } }'
    )
    assert body["data"] == {"_entities": [{"id": "builtin-finn", "name": "Finn"}, None]}


def test_invalid_colour_in_yaml_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "mates.yml"
    bad.write_text(
        "mates:\n  - {id: x1, name: X, description: d, system_prompt: p, avatar_colour: red}\n"
    )
    with pytest.raises(ValidationError, match="avatar_colour"):
        load_builtin_mates(bad)


def test_duplicate_mate_ids_are_rejected(tmp_path: Path) -> None:
    mate = "{id: x1, name: X, description: d, system_prompt: p, avatar_colour: '#000000'}"
    duplicated = tmp_path / "mates.yml"
    duplicated.write_text(f"mates:\n  - {mate}\n  - {mate}\n")
    with pytest.raises(ValueError, match="duplicate mate ids"):
        load_builtin_mates(duplicated)
