"""Mate entity lookups are batched; installed apps come from supergraph.yaml; limits hold."""

from __future__ import annotations

from pathlib import Path

import httpx

from shared.directus.runtime import DirectusServer
from subgraphs.mates.runtime import MatesRuntime, use_runtime
from subgraphs.mates.settings import MatesSettings
from tests.subgraphs.mates.conftest import Caller, mates_settings
from tests.subgraphs.mates.test_collections import CREATE as CREATE_COLLECTION
from tests.subgraphs.mates.test_mates_crud import CREATE, create, mate_input
from tests.subgraphs.mates.test_ownership import ENTITY


class CountingTransport(httpx.AsyncHTTPTransport):
    """Records the path of every Directus call."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await super().handle_async_request(request)


async def test_mate_entities_resolve_in_one_directus_request(
    alice: Caller, platform_directus: DirectusServer
) -> None:
    mates = [await create(alice, name=f"M{n}") for n in range(3)]
    counting = CountingTransport()
    runtime = MatesRuntime(mates_settings(platform_directus), transport=counting)
    use_runtime(runtime)
    try:
        representations = [{"__typename": "Mate", "id": m["id"]} for m in mates]
        representations.append({"__typename": "Mate", "id": "builtin-ada"})
        data = await alice.ok(ENTITY, r=representations)
    finally:
        await runtime.aclose()
    names = [entity["name"] for entity in data["_entities"]]
    assert names == ["M0", "M1", "M2", "Ada"]
    assert counting.paths == ["/items/mates"]


def test_installed_apps_are_the_supergraph_subgraphs_but_core_and_mates(tmp_path: Path) -> None:
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        "subgraphs:\n"
        "  core: {module: subgraphs.core.app:app}\n"
        "  mates: {module: subgraphs.mates.app:app}\n"
        "  web: {url: http://web:8000/graphql}\n"
    )
    assert MatesSettings(supergraph_config=config).tool_apps() == {"web"}
    assert MatesSettings(supergraph_config=config, installed_apps={"pdf"}).tool_apps() == {"pdf"}


async def test_per_user_limits_answer_conflict(alice: Caller, mates_runtime: MatesRuntime) -> None:
    mates_runtime.settings.max_mates_per_user = 1
    mates_runtime.settings.max_collections_per_user = 1
    await create(alice)
    _, errors = await alice.run(CREATE, input=mate_input())
    assert [e["extensions"] for e in errors] == [{"code": "CONFLICT", "reason": "MATE_LIMIT"}]
    await alice.ok(CREATE_COLLECTION, name="One")
    _, errors = await alice.run(CREATE_COLLECTION, name="Two")
    assert [e["extensions"]["reason"] for e in errors] == ["COLLECTION_LIMIT"]
