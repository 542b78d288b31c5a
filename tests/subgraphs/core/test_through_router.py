"""The core app inside the router, as the local stack runs it: the committed supergraph."""

from __future__ import annotations

from pathlib import Path

import httpx

from router.config import RouterConfig
from router.http.command import yaml_transports
from router.http.runtime import build_router
from router.supergraph_config import SupergraphConfig
from subgraphs.core.invites import InviteStore, generate_code
from subgraphs.core.service import CoreService

ROOT = Path(__file__).resolve().parents[3]
CHECK = "query($t: String!) { checkInviteTokenValid(token: $t) }"


async def test_invite_check_answers_through_the_router(
    core_service: CoreService, invites: InviteStore
) -> None:
    code, _ = await invites.create()
    config = RouterConfig(mode="development")
    supergraph = SupergraphConfig.load(ROOT / "supergraph" / "supergraph.yaml")
    sdl = (ROOT / "supergraph" / "supergraph.graphql").read_text()
    router = build_router(sdl, config, yaml_transports(supergraph, config))
    answers = []
    try:
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
            for token in (code, generate_code()):
                response = await client.post(
                    "/graphql", json={"query": CHECK, "variables": {"t": token}}
                )
                answers.append(response.json())
    finally:
        await router.aclose()
    assert answers == [
        {"data": {"checkInviteTokenValid": True}},
        {"data": {"checkInviteTokenValid": False}},
    ]
