"""Strawberry subgraphs, read through `_service { sdl }` in-process, compose like Apollo does."""

from __future__ import annotations

from pathlib import Path

from router.composition import compose
from router.composition.command import fetch_subgraphs
from router.supergraph_config import SupergraphConfig
from tests.router.composition import strawberry_subgraphs

MODULE = strawberry_subgraphs.__name__
CONFIG = SupergraphConfig.model_validate(
    {
        "subgraphs": {
            "accounts": {"module": f"{MODULE}:accounts_app"},
            "chats": {"module": f"{MODULE}:chats_app"},
        }
    }
)
SNAPSHOT = Path(__file__).parent / "strawberry_supergraph.graphql"


async def test_strawberry_sdl_is_fetched_in_process_with_federation_internals() -> None:
    subgraphs = await fetch_subgraphs(CONFIG)
    assert [s.name for s in subgraphs] == ["accounts", "chats"]
    assert subgraphs[0].url == "http://in-process.accounts/graphql"
    assert "_service: _Service!" in subgraphs[0].sdl
    assert 'federation/v2.11"' in subgraphs[0].sdl


async def test_strawberry_supergraph_matches_apollos_composition() -> None:
    composed = compose(await fetch_subgraphs(CONFIG))
    assert composed.supergraph_sdl == SNAPSHOT.read_text()


async def test_federation_internals_are_filtered_out() -> None:
    sdl = compose(await fetch_subgraphs(CONFIG)).supergraph_sdl
    for internal in ("_Service", "_Entity", "_Any", "_service", "_entities", "@key(", "@shareable"):
        assert internal not in sdl


async def test_inaccessible_field_is_in_the_supergraph_but_not_in_the_api_schema() -> None:
    composed = compose(await fetch_subgraphs(CONFIG))
    assert "email: String @inaccessible" in composed.supergraph_sdl
    assert "email" not in composed.api_schema_sdl
    assert "friends(" in composed.api_schema_sdl
