"""Directus writes: rows created one call each, against concurrent `add_item`s sharing calls.

The same ROWS ledger rows (the `usage` collection, as settlements write them) are written by
CONCURRENCY writers on a real Directus, first one `create_item` call each, then with
`add_item` (shared/directus/batching.py). Prints rows/s of both and their ratio, and how many
calls the batched run made. No timing asserts; every row is checked to be stored.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from shared.credits.ledger import LedgerEntry
from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from tests.shared.conftest import valkey
from tests.shared.directus.test_client import CountingTransport
from tests.subgraphs.core.chats_support import Chats, chats
from tests.support.directus import directus_template, platform_directus, start_empty_directus

__all__ = ["chats", "directus_template", "platform_directus", "start_empty_directus", "valkey"]

pytestmark = pytest.mark.benchmark
ROWS = 600
CONCURRENCY = 64


async def _write(client: DirectusClient, user: str, batched: bool) -> tuple[float, set[str]]:
    """Rows/s writing ROWS rows with CONCURRENCY writers; the request ids written."""
    gate = asyncio.Semaphore(CONCURRENCY)
    ids = {uuid.uuid4().hex for _ in range(ROWS)}

    async def one(request_id: str) -> None:
        row = LedgerEntry("settle", user, request_id, -1, skill="bench", status="ok").row()
        async with gate:
            if batched:
                await client.add_item("usage", row)
            else:
                await client.create_item("usage", row)

    started = time.perf_counter()
    await asyncio.gather(*(one(request_id) for request_id in ids))
    return ROWS / (time.perf_counter() - started), ids


async def _stored(client: DirectusClient, user: str) -> set[str]:
    rows = await client.read_items(
        "usage", filter={"user": {"_eq": user}}, fields=["request_id"], limit=-1
    )
    return {row["request_id"] for row in rows}


async def test_bench_batched_directus_writes(
    chats: Chats, platform_directus: DirectusServer
) -> None:
    who = await chats.new_user()
    assert who.user_id is not None
    server, transport = platform_directus, CountingTransport()
    async with DirectusClient(server.url, server.platform_token, transport=transport) as client:
        single, single_ids = await _write(client, who.user_id, batched=False)
        calls_before = len(transport.requests)
        batched, batched_ids = await _write(client, who.user_id, batched=True)
        calls = len(transport.requests) - calls_before
        assert await _stored(client, who.user_id) == single_ids | batched_ids
    print(
        f"\nDirectus writes, {ROWS} ledger rows by {CONCURRENCY} concurrent writers: "
        f"one call each {single:.0f} rows/s; add_item {batched:.0f} rows/s in {calls} calls "
        f"({batched / single:.1f}x)"
    )
