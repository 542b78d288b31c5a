"""plugins.credits through the router, on real Valkey and Directus, with a counting subgraph."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.credits import Credits
from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from tests.router.plugins.credits_support import (
    PROBE,
    CreditsRouter,
    credits_router,
    ledger_credits,
)
from tests.shared.conftest import ValkeyServer
from tests.support.directus import (  # noqa: F401 (fixtures)
    directus_template,
    platform_directus,
    start_empty_directus,
)

DB = 7
CHARGE = "mutation($used: Int, $fail: Boolean! = false) { charge(used: $used, fail: $fail) }"


@pytest.fixture
async def credits(edge_valkey: ValkeyServer, directus: DirectusClient) -> AsyncIterator[Credits]:
    async with ledger_credits(edge_valkey.url(DB), directus) as made:
        yield made


@pytest.fixture
async def router(
    edge_valkey: ValkeyServer,
    platform_directus: DirectusServer,  # noqa: F811
    credits: Credits,
) -> AsyncIterator[CreditsRouter]:
    plugin = {
        "redis_url": edge_valkey.url(DB),
        "directus_url": platform_directus.url,
        "directus_token": platform_directus.platform_token,
    }
    async with credits_router(plugin) as made:
        yield made


async def funded_user(credits: Credits, directus: DirectusClient, amount: int) -> str:
    user = await directus.create_user({"email": f"router-credits-{uuid.uuid4().hex}@example.com"})
    await credits.grant(str(user["id"]), amount, "test funds")
    return str(user["id"])


async def settlements(credits: Credits, user: str) -> list[dict[str, Any]]:
    rows = await credits.ledger.directus.read_items(
        "usage", filter={"user": {"_eq": user}, "kind": {"_eq": "settle"}}, limit=-1
    )
    return rows


def code_of(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or [{}]
    code: str | None = errors[0].get("extensions", {}).get("code")
    return code


async def test_fifty_concurrent_charges_against_ten_calls_of_balance(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 100)
    before = PROBE.charges
    lowest = [100]

    async def watch() -> None:
        while True:  # cancelled when the charges are done
            lowest[0] = min(lowest[0], await credits.store.balance(user) or 0)
            await asyncio.sleep(0.001)

    watcher = asyncio.create_task(watch())
    results = await asyncio.gather(*(router.run(CHARGE, f"user:{user}") for _ in range(50)))
    watcher.cancel()
    assert lowest[0] >= 0
    succeeded = [body for _, body in results if body.get("data") and body["data"]["charge"]]
    refused = [body for _, body in results if code_of(body) == "INSUFFICIENT_CREDITS"]
    assert (len(succeeded), len(refused)) == (10, 40)
    assert PROBE.charges - before == 10  # refused requests never reached the subgraph
    assert await credits.balance(user) == 0
    rows = await settlements(credits, user)
    assert len(rows) == 10 and sum(row["credits"] for row in rows) == -100
    total = (await credits.ledger.snapshot(user, 60)).total
    assert total == await credits.balance(user)


async def test_redis_flushed_mid_run_rebuilds_from_the_ledger_without_double_charges(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 200)
    await asyncio.gather(*(router.run(CHARGE, f"user:{user}") for _ in range(3)))
    started = PROBE.charges
    running = [asyncio.create_task(router.run(CHARGE, f"user:{user}")) for _ in range(7)]
    for _ in range(200):  # until a request reached the subgraph (reserved, not yet settled)
        if PROBE.charges > started:
            break
        await asyncio.sleep(0.001)
    assert not all(task.done() for task in running)
    await credits.store.redis.flushdb()  # balance, reservations and settled markers gone
    results = await asyncio.gather(*running)
    assert all(body.get("data") for _, body in results)
    rows = await settlements(credits, user)
    assert len(rows) == 10 and len({row["request_id"] for row in rows}) == 10
    total = (await credits.ledger.snapshot(user, 60)).total
    assert total == 100
    assert await credits.balance(user) == 100


async def test_usage_below_the_cost_charges_the_reported_amount(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 100)
    _, body = await router.run(CHARGE, f"user:{user}", {"used": 4})
    assert "errors" not in body
    assert await credits.balance(user) == 96
    (row,) = await settlements(credits, user)
    assert (row["credits"], row["tokens"], row["skill"], row["status"]) == (-4, 400, "charge", "ok")


async def test_usage_above_the_cost_is_charged_while_the_balance_allows(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 100)
    await router.run(CHARGE, f"user:{user}", {"used": 15})
    assert await credits.balance(user) == 85
    await router.run(CHARGE, f"user:{user}", {"used": 500})
    assert await credits.balance(user) == 0  # capped at what the balance held


async def test_subgraph_error_releases_the_reservation(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 10)
    _, body = await router.run(CHARGE, f"user:{user}", {"fail": True})
    assert body["errors"]
    assert await credits.available(user) == 10
    assert await settlements(credits, user) == []
    # A failure after reported work is charged for that work.
    await router.run(CHARGE, f"user:{user}", {"fail": True, "used": 3})
    (row,) = await settlements(credits, user)
    assert (row["credits"], row["status"]) == (-3, "error")


async def test_insufficient_credits_never_calls_the_subgraph(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 5)
    before, calls = PROBE.charges, len(router.calls)
    status, body = await router.run(CHARGE, f"user:{user}")
    assert status == 200
    assert body["errors"][0]["extensions"] == {
        "code": "INSUFFICIENT_CREDITS",
        "cost": 10,
        "available": 5,
    }
    assert body["errors"][0]["path"] == ["charge"]
    assert (PROBE.charges, len(router.calls)) == (before, calls)
    assert await credits.balance(user) == 5


async def test_anonymous_callers_are_refused_before_the_subgraph(router: CreditsRouter) -> None:
    before = PROBE.charges
    _, body = await router.run(CHARGE, "")
    assert code_of(body) == "UNAUTHENTICATED"
    assert PROBE.charges == before


async def test_the_subgraph_gets_the_request_id_the_ledger_records(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 50)
    await router.run("mutation { spend: charge(used: 2) }", f"user:{user}")
    assert PROBE.request_ids
    sent = PROBE.request_ids[-1]
    assert sent is not None
    (row,) = await settlements(credits, user)
    assert row["request_id"] == f"{sent}.spend"


async def test_query_fields_with_credits_are_charged_their_cost(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 50)
    _, body = await router.run("{ free priced }", f"user:{user}")
    assert body["data"] == {"free": 1, "priced": 5}
    assert await credits.balance(user) == 45


async def test_subscription_settles_the_final_report_when_it_ends(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 50)
    async with router.websocket(f"user:{user}") as ws:
        query = "subscription { reply(count: 3, usedEach: 2) }"
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        messages = [await ws.receive_json(timeout=5) for _ in range(4)]
    assert [m["type"] for m in messages] == ["next", "next", "next", "complete"]
    assert await credits.balance(user) == 44
    (row,) = await settlements(credits, user)
    assert (row["credits"], row["status"]) == (-6, "ok")


async def test_subscription_settles_when_the_client_disconnects(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 50)
    closed = PROBE.closed_streams
    async with router.websocket(f"user:{user}") as ws:
        query = "subscription { reply(count: 2, usedEach: 3, hold: true) }"
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        for _ in range(2):
            assert (await ws.receive_json(timeout=5))["type"] == "next"
    for _ in range(250):  # the router settles after the socket closes
        if PROBE.closed_streams > closed and await settlements(credits, user):
            break
        await asyncio.sleep(0.02)
    (row,) = await settlements(credits, user)
    assert row["credits"] == -6
    assert await credits.balance(user) == 44


async def test_subscription_without_reports_is_charged_its_cost_or_released_on_failure(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 50)
    for query in (
        "subscription { reply(count: 2, usedEach: 0) }",
        "subscription { reply(count: 0, usedEach: 0, fail: true) }",
    ):
        async with router.websocket(f"user:{user}") as ws:
            await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
            for _ in range(5):
                if (await ws.receive_json(timeout=5))["type"] in ("complete", "error"):
                    break
    (row,) = await settlements(credits, user)
    assert (row["credits"], row["status"], row["skill"]) == (-10, "ok", "reply")
    assert await credits.available(user) == 40


async def test_api_keys_charge_their_owner(
    router: CreditsRouter, credits: Credits, directus: DirectusClient
) -> None:
    owner = await funded_user(credits, directus, 30)
    _, body = await router.run(CHARGE, f"apikey:{owner}", {"used": 7})
    assert body == {"data": {"charge": PROBE.charges}}
    assert await credits.balance(owner) == 23
