"""plugins.credits hands settlements it could not write to the platform's real Celery worker."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from shared.credits import Credits
from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from tests.router.plugins.credits_support import PROBE, credits_router, ledger_credits
from tests.shared.conftest import CeleryWorker, ValkeyServer
from tests.shared.credits.worker_support import platform_worker
from tests.support.directus import (  # noqa: F401 (fixtures)
    directus_template,
    platform_directus,
    start_empty_directus,
)
from tests.support.ports import free_port
from tests.support.waiting import eventually

DB = 9  # the credits store and the worker's broker, as MATEWAY_REDIS_URL makes them one
CHARGE = "mutation($used: Int) { charge(used: $used) }"


@pytest.fixture
async def credits(edge_valkey: ValkeyServer, directus: DirectusClient) -> AsyncIterator[Credits]:
    # No flush: the worker uses this database as its broker.
    async with ledger_credits(edge_valkey.url(DB), directus, flush=False) as made:
        yield made


@pytest.fixture(scope="module")
def worker(
    edge_valkey: ValkeyServer,
    platform_directus: DirectusServer,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CeleryWorker]:
    logfile = tmp_path_factory.mktemp("router-credits-worker") / "worker.log"
    token = platform_directus.platform_token
    made = platform_worker(edge_valkey.url(DB), platform_directus.url, token, logfile)
    made.start()
    yield made
    made.stop()


def plugin(edge_valkey: ValkeyServer, broker_url: str) -> dict[str, Any]:
    """plugins.credits whose Directus is a closed port: every ledger write fails."""
    return {
        "redis_url": edge_valkey.url(DB),
        "directus_url": f"http://127.0.0.1:{free_port()}",
        "directus_token": "never-used",
        "worker_broker_url": broker_url,
    }


async def funded_user(credits: Credits, directus: DirectusClient, amount: int) -> str:
    user = await directus.create_user({"email": f"worker-credits-{uuid.uuid4().hex}@example.com"})
    await credits.grant(str(user["id"]), amount, "test funds")
    return str(user["id"])


async def settlements(credits: Credits, user: str) -> list[dict[str, Any]]:
    return await credits.ledger.directus.read_items(
        "usage", filter={"user": {"_eq": user}, "kind": {"_eq": "settle"}}, limit=-1
    )


def last_hold() -> str:
    """The ledger request id of the latest `charge` field the test subgraph ran."""
    assert PROBE.request_ids
    return f"{PROBE.request_ids[-1]}.charge"


async def test_a_settlement_the_router_could_not_write_is_written_by_the_worker(
    worker: CeleryWorker,
    edge_valkey: ValkeyServer,
    credits: Credits,
    directus: DirectusClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = await funded_user(credits, directus, 100)
    async with credits_router(plugin(edge_valkey, edge_valkey.url(DB))) as router:
        with caplog.at_level(logging.INFO, logger="router.plugins.credits"):
            status, body = await router.run(CHARGE, f"user:{user}", {"used": 4})
    assert status == 200 and body == {"data": {"charge": PROBE.charges}}
    hold = last_hold()
    assert any(
        "handed to the worker" in r.getMessage() and hold in r.getMessage() for r in caplog.records
    )
    # The worker writes the row and commits it.
    await eventually(lambda: balance_moved(credits, user, 100), seconds=15)
    (row,) = await settlements(credits, user)
    assert (row["request_id"], row["credits"], row["tokens"]) == (hold, -4, 400)
    assert await credits.balance(user) == 96
    assert await credits.available(user) == 96  # the router's hold went with the settlement
    await asyncio.sleep(0.5)  # nothing else arrives later
    assert len(await settlements(credits, user)) == 1
    assert await credits.balance(user) == 96


async def test_an_unreachable_broker_leaves_the_answer_intact_and_logs_the_request(
    edge_valkey: ValkeyServer,
    credits: Credits,
    directus: DirectusClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = await funded_user(credits, directus, 100)
    closed_broker = f"redis://127.0.0.1:{free_port()}/0"
    async with credits_router(plugin(edge_valkey, closed_broker)) as router:
        with caplog.at_level(logging.INFO, logger="router.plugins.credits"):
            status, body = await router.run(CHARGE, f"user:{user}", {"used": 4})
    assert status == 200 and body == {"data": {"charge": PROBE.charges}}
    hold = last_hold()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("could not be queued" in message and hold in message for message in errors)
    assert await settlements(credits, user) == []
    assert await credits.balance(user) == 100


async def test_a_stream_the_client_left_is_settled_by_the_worker(
    worker: CeleryWorker, edge_valkey: ValkeyServer, credits: Credits, directus: DirectusClient
) -> None:
    user = await funded_user(credits, directus, 50)
    closed = PROBE.closed_streams
    async with credits_router(plugin(edge_valkey, edge_valkey.url(DB))) as router:
        async with router.websocket(f"user:{user}") as ws:
            query = "subscription { reply(count: 2, usedEach: 3, hold: true) }"
            await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
            for _ in range(2):
                assert (await ws.receive_json(timeout=5))["type"] == "next"
        # STREAM_END runs after the socket closed; then the worker.
        await eventually(lambda: PROBE.closed_streams > closed, seconds=15)
        await eventually(lambda: balance_moved(credits, user, 50), seconds=15)
    (row,) = await settlements(credits, user)
    assert (row["credits"], row["skill"]) == (-6, "reply")
    assert await credits.balance(user) == 44


async def balance_moved(credits: Credits, user: str, was: int) -> bool:
    """The user's Redis balance is no longer `was`."""
    return await credits.store.balance(user) != was
