"""Send-message benchmark: the path without any AI, through the router on the local stack.

One router (identity and @auth plugins) with the core app in-process, as `start-server.sh`
runs it, on a real Directus (SQLite) and Valkey: verify the access token, take the chat's
lock (its generation read in the same round trip; the owner and wrapped key then come from
the process's row cache, see subgraphs/core/chats/rows.py), encrypt, store in Directus.
Prints p50/p99 for a message to an existing chat and for a message that starts a chat (new
data key, wrapped, title encrypted), the core schema alone, and the bare Directus insert.
Loops are bounded by rounds and a time budget; the goal (p50 at most 15 ms for an existing
chat) is reported, not asserted: timings depend on the machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from router.config import RouterConfig
from router.http.command import yaml_transports
from router.http.runtime import build_router
from router.supergraph_config import SupergraphConfig
from shared.auth.tokens import issue_access_token
from subgraphs.core.chats.ids import new_id, seq_of
from tests.shared.conftest import valkey
from tests.subgraphs.core.chats_support import SEND, Chats, chats
from tests.subgraphs.core.conftest import directus_template, platform_directus, start_empty_directus
from tests.support.identity import signing_keys

__all__ = ["chats", "directus_template", "platform_directus", "start_empty_directus", "valkey"]

pytestmark = pytest.mark.benchmark
ROOT = Path(__file__).resolve().parents[3]
WARMUP = 10
ROUNDS = 100
BUDGET_SECONDS = 20.0
GOAL_P50_MS = 15.0


@pytest.fixture
async def router_http(chats: Chats) -> AsyncIterator[httpx.AsyncClient]:
    plugins = {"identity": {"revocation_feed": False}, "auth": {}}
    config = RouterConfig(mode="development", plugins=plugins)
    supergraph = SupergraphConfig.load(ROOT / "supergraph" / "supergraph.yaml")
    sdl = (ROOT / "supergraph" / "supergraph.graphql").read_text()
    router = build_router(sdl, config, yaml_transports(supergraph, config))
    try:
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as http:
            yield http
    finally:
        await router.aclose()


async def _timings(call: Callable[[], Awaitable[None]]) -> list[float]:
    """Milliseconds per call after a warm-up, within the round and time limits."""
    for _ in range(WARMUP):
        await call()
    timings: list[float] = []
    deadline = time.perf_counter() + BUDGET_SECONDS
    while len(timings) < ROUNDS and time.perf_counter() < deadline:
        start = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _report(label: str, timings: list[float]) -> float:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"\n[bench_send_message] {label}: n={len(ordered)} p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms, mean {statistics.fmean(ordered):.2f} ms"
    )
    return p50


async def test_send_message_latency_through_the_router(
    chats: Chats, router_http: httpx.AsyncClient
) -> None:
    alice = await chats.new_user()
    token = issue_access_token(alice, keys=signing_keys())
    headers = {"authorization": f"Bearer {token}"}
    text = "A typical question of a few sentences. " * 8

    async def send(chat_id: str | None) -> str:
        variables = {"input": {"text": text, **({"chatId": chat_id} if chat_id else {})}}
        response = await router_http.post(
            "/graphql", json={"query": SEND, "variables": variables}, headers=headers
        )
        body = response.json()
        assert "errors" not in body, body
        return str(body["data"]["sendMessage"]["chatId"])

    chat_id = await send(None)

    async def existing() -> None:
        await send(chat_id)

    async def new_chat() -> None:
        await send(None)

    async def in_subgraph() -> None:
        await chats.ok(SEND, alice, input={"text": text, "chatId": chat_id})

    async def bare_insert() -> None:
        message_id = new_id()
        await chats.directus.create_item(
            "messages",
            {"id": message_id, "seq": seq_of(message_id), "chat": chat_id, "role": "user"},
        )

    p50 = _report(
        "existing chat (router, auth, lock + owner via row cache, encrypt, store)",
        await _timings(existing),
    )
    _report("new chat (+ data key, wrap, title)", await _timings(new_chat))
    _report("existing chat, core schema directly (no router)", await _timings(in_subgraph))
    _report("bare Directus insert of a message row (for comparison)", await _timings(bare_insert))
    verdict = "met" if p50 <= GOAL_P50_MS else "NOT met"
    print(f"[bench_send_message] goal p50 <= {GOAL_P50_MS:.0f} ms for an existing chat: {verdict}")
