"""DirectusClient.add_item on a real Directus: concurrent creates share calls, each answered."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from shared.directus.api_errors import DirectusApiError
from shared.directus.batching import CreateBatcher
from shared.directus.client import DirectusClient, RetryPolicy
from shared.directus.runtime import DirectusServer
from shared.errors import ErrorCode
from tests.shared.directus.test_client import CountingTransport
from tests.support.ports import free_port


@pytest.fixture
async def counted(
    platform_directus: DirectusServer,
) -> AsyncIterator[tuple[DirectusClient, CountingTransport]]:
    transport = CountingTransport()
    async with DirectusClient(
        platform_directus.url, platform_directus.platform_token, transport=transport
    ) as client:
        yield client, transport


def _posted_rows(transport: CountingTransport) -> list[int]:
    """Rows per POST sent, in order."""
    sizes = []
    for request in transport.requests:
        if request.method == "POST":
            body = orjson.loads(request.content)
            sizes.append(len(body))
    return sizes


async def _names_stored(client: DirectusClient, tag: str) -> set[str]:
    rows = await client.read_items(
        "apps", filter={"name": {"_starts_with": tag}}, fields=["name"], limit=-1
    )
    return {row["name"] for row in rows}


async def test_an_add_on_an_idle_client_is_sent_at_once_alone(
    counted: tuple[DirectusClient, CountingTransport],
) -> None:
    client, transport = counted
    tag = f"alone-{uuid.uuid4().hex[:8]}"
    await client.add_item("apps", {"name": tag})
    assert _posted_rows(transport) == [1]
    assert await _names_stored(client, tag) == {tag}


async def test_concurrent_adds_share_calls_and_all_land(
    counted: tuple[DirectusClient, CountingTransport],
) -> None:
    client, transport = counted
    tag = f"many-{uuid.uuid4().hex[:8]}"
    names = {f"{tag}-{n}" for n in range(60)}
    await asyncio.gather(*(client.add_item("apps", {"name": name}) for name in names))
    sizes = _posted_rows(transport)
    assert sum(sizes) == 60
    assert sizes[0] == 1  # the first went at once, before any other arrived
    assert len(sizes) < 60 and max(sizes) > 1
    assert await _names_stored(client, tag) == names


async def test_a_refused_row_fails_alone_and_the_others_land(
    counted: tuple[DirectusClient, CountingTransport],
) -> None:
    client, _ = counted
    tag = f"dup-{uuid.uuid4().hex[:8]}"
    await client.create_item("apps", {"name": f"{tag}-taken"})
    names = [f"{tag}-{n}" for n in range(20)]
    names.insert(10, f"{tag}-taken")
    results = await asyncio.gather(
        *(client.add_item("apps", {"name": name}) for name in names), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1
    assert isinstance(refused[0], DirectusApiError)
    assert refused[0].directus_code == "RECORD_NOT_UNIQUE"
    assert results.index(refused[0]) == 10
    assert await _names_stored(client, tag) == set(names)


async def test_every_waiting_add_fails_when_directus_cannot_be_reached() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with DirectusClient(url, "t", retry=RetryPolicy(retries=0)) as client:
        results = await asyncio.gather(
            *(client.add_item("apps", {"name": f"x{n}"}) for n in range(10)),
            return_exceptions=True,
        )
    assert all(isinstance(r, DirectusApiError) for r in results)
    assert {r.code for r in results if isinstance(r, DirectusApiError)} == {ErrorCode.UNAVAILABLE}


class InFlightTransport(CountingTransport):
    """Also keeps the most requests it had in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await super().handle_async_request(request)
        finally:
            self.in_flight -= 1


async def test_at_most_two_calls_per_collection_are_in_flight(
    platform_directus: DirectusServer,
) -> None:
    transport = InFlightTransport()
    tag = f"lanes-{uuid.uuid4().hex[:8]}"
    async with DirectusClient(
        platform_directus.url, platform_directus.platform_token, transport=transport
    ) as client:
        await asyncio.gather(*(client.add_item("apps", {"name": f"{tag}-{n}"}) for n in range(200)))
        assert len(await _names_stored(client, tag)) == 200
    assert transport.most_in_flight == 2
    assert sum(_posted_rows(transport)) == 200


async def in_flight(batcher: CreateBatcher, row: dict[str, str]) -> asyncio.Task[None]:
    """Create `row` and return once its call is in flight: rows created next come from
    other writers while a call is out (what makes the batcher space its calls)."""
    task = asyncio.create_task(batcher.create(row))
    await asyncio.sleep(0)
    return task


async def test_rows_of_concurrent_writers_within_the_spacing_go_together(
    counted: tuple[DirectusClient, CountingTransport],
) -> None:
    client, transport = counted
    batcher = CreateBatcher(client, "apps", spacing_seconds=1.0)
    tag = f"spaced-{uuid.uuid4().hex[:8]}"
    first = await in_flight(batcher, {"name": f"{tag}-first"})  # sent at once
    later = []
    for n in range(4):  # other writers' rows, each before the spacing is over
        later.append(asyncio.create_task(batcher.create({"name": f"{tag}-{n}"})))
        await asyncio.sleep(0.02)
    await asyncio.gather(first, *later)
    assert _posted_rows(transport) == [1, 4]
    assert len(await _names_stored(client, tag)) == 5


async def test_a_writer_going_one_row_after_another_is_not_held_back(
    counted: tuple[DirectusClient, CountingTransport],
) -> None:
    """One user's messages, each stored before the next is sent, wait for no company."""
    client, transport = counted
    batcher = CreateBatcher(client, "apps", spacing_seconds=600.0)
    tag = f"serial-{uuid.uuid4().hex[:8]}"
    for n in range(5):
        await asyncio.wait_for(batcher.create({"name": f"{tag}-{n}"}), 10)  # not 600 s
    assert _posted_rows(transport) == [1, 1, 1, 1, 1]


async def test_enough_waiting_rows_do_not_wait_for_the_spacing(
    counted: tuple[DirectusClient, CountingTransport],
) -> None:
    client, transport = counted
    batcher = CreateBatcher(client, "apps", spacing_seconds=600.0, enough_rows=10)
    tag = f"full-{uuid.uuid4().hex[:8]}"
    first = await in_flight(batcher, {"name": f"{tag}-first"})
    rows = [
        first,
        *(asyncio.create_task(batcher.create({"name": f"{tag}-{n}"})) for n in range(10)),
    ]
    await asyncio.wait_for(asyncio.gather(*rows), 30)  # not 600 s
    assert _posted_rows(transport) == [1, 10]


async def test_closing_the_client_sends_the_rows_waiting_for_the_spacing(
    platform_directus: DirectusServer,
) -> None:
    tag = f"closing-{uuid.uuid4().hex[:8]}"
    client = DirectusClient(platform_directus.url, platform_directus.platform_token)
    batcher = client._batchers["apps"] = CreateBatcher(client, "apps", spacing_seconds=600.0)
    first = await in_flight(batcher, {"name": f"{tag}-first"})
    waiting = [asyncio.create_task(batcher.create({"name": f"{tag}-{n}"})) for n in range(3)]
    await first
    await asyncio.sleep(0.05)
    assert not any(task.done() for task in waiting)  # held for the spacing
    await asyncio.wait_for(client.aclose(), 30)
    await asyncio.wait_for(asyncio.gather(*waiting), 30)  # each stored, none failed
    async with DirectusClient(platform_directus.url, platform_directus.platform_token) as check:
        assert len(await _names_stored(check, tag)) == 4
