"""`mateway.credits.settle` in the platform's real Celery worker, on real Valkey and Directus.

The worker reaches Directus through a TcpProxy, so a test can take Directus away from it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from celery import Celery
from celery.result import AsyncResult
from redis.exceptions import RedisError

from shared.celery_app import create_celery_app
from shared.credits import BalanceStore, Credits, Ledger, Usage
from shared.credits.tasks import SETTLE_TASK, SettlementRefused, settle_kwargs
from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from shared.redis import create_redis
from tests.shared.conftest import CeleryWorker, ValkeyServer
from tests.shared.credits.worker_support import (
    TcpProxy,
    commit_cut,
    hold_expired,
    platform_worker,
)
from tests.support.waiting import eventually

DB = 9  # the worker's broker and its credits store
NewUser = Callable[[], Awaitable[str]]


@pytest.fixture(scope="module")
async def directus_proxy(platform_directus: DirectusServer) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy(platform_directus.url)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture(scope="module")
def worker(
    valkey: ValkeyServer,
    platform_directus: DirectusServer,
    directus_proxy: TcpProxy,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CeleryWorker]:
    logfile = tmp_path_factory.mktemp("credits-worker") / "worker.log"
    token = platform_directus.platform_token
    made = platform_worker(valkey.url(DB), directus_proxy.url(), token, logfile)
    made.start()
    yield made
    made.stop()


@pytest.fixture(scope="module")
def producer(valkey: ValkeyServer) -> Iterator[Celery]:
    app = create_celery_app("credits-task-tests", valkey.url(DB))
    yield app
    app.close()


@pytest.fixture
async def credits(valkey: ValkeyServer, directus: DirectusClient) -> AsyncIterator[Credits]:
    """Credits on the worker's database, so both see the same balances."""
    redis = create_redis(valkey.url(DB))
    yield Credits(BalanceStore(redis), Ledger(directus))
    await redis.aclose()


async def funded(credits: Credits, new_user: NewUser, amount: int) -> str:
    user = await new_user()
    await credits.grant(user, amount, "test funds")
    return user


def send(producer: Celery, user: str, request_id: str, usage: Usage) -> AsyncResult[Any]:
    return producer.send_task(SETTLE_TASK, kwargs=settle_kwargs(user, request_id, usage, True))


async def outcome(result: AsyncResult[Any]) -> Any:
    return await asyncio.to_thread(result.get, timeout=60)


async def rows_of(credits: Credits, request_id: str) -> list[dict[str, Any]]:
    return await credits.ledger.directus.read_items(
        "usage", filter={"request_id": {"_eq": request_id}}, limit=-1
    )


@pytest.mark.parametrize("held", [True, False], ids=["reservation-held", "reservation-gone"])
async def test_duplicate_deliveries_of_a_settlement_charge_once(
    worker: CeleryWorker, producer: Celery, credits: Credits, new_user: NewUser, held: bool
) -> None:
    user = await funded(credits, new_user, 100)
    request = f"test:{uuid.uuid4()}"
    if held:
        await credits.reserve(user, request, 10)
    usage = Usage(7, tokens=70, skill="chat")
    first, second = send(producer, user, request, usage), send(producer, user, request, usage)
    assert [await outcome(first), await outcome(second)] == [7, 7]
    (row,) = await rows_of(credits, request)
    assert (row["credits"], row["tokens"], row["skill"]) == (-7, 70, "chat")
    assert await credits.balance(user) == 93
    assert await credits.available(user) == 93  # the hold is gone with the settlement


@pytest.mark.parametrize("hold_seconds", [900.0, 1.0], ids=["hold-live", "hold-expired"])
async def test_retry_after_the_ledger_row_was_written_but_not_committed_charges_once(
    worker: CeleryWorker,
    producer: Celery,
    credits: Credits,
    new_user: NewUser,
    valkey: ValkeyServer,
    hold_seconds: float,
) -> None:
    user = await funded(credits, new_user, 100)
    request = f"test:{uuid.uuid4()}"
    async with commit_cut(valkey.url(), DB, credits.ledger, hold_seconds) as (cut, proxy):
        await cut.reserve(user, request, 10)
        with pytest.raises(RedisError):
            await cut.settle(user, request, Usage(7, skill="chat"))
    assert proxy.dropped >= 1
    (row,) = await rows_of(credits, request)
    assert row["credits"] == -7  # the ledger has it
    assert await credits.balance(user) == 100  # Redis does not
    if hold_seconds < 900:
        await hold_expired(credits.store.redis, user, request)  # the retry comes too late
    assert await outcome(send(producer, user, request, Usage(7, skill="chat"))) == 7
    assert len(await rows_of(credits, request)) == 1
    assert await credits.balance(user) == 93
    assert await credits.available(user) == 93
    assert await outcome(send(producer, user, request, Usage(7, skill="chat"))) == 7
    assert await credits.balance(user) == 93  # a duplicate retry changes nothing
    assert (await credits.ledger.snapshot(user, 60)).total == 93


async def test_a_settlement_retries_with_backoff_until_directus_answers(
    worker: CeleryWorker,
    producer: Celery,
    credits: Credits,
    new_user: NewUser,
    directus_proxy: TcpProxy,
) -> None:
    user = await funded(credits, new_user, 100)
    request = f"test:{uuid.uuid4()}"
    await credits.reserve(user, request, 10)
    await directus_proxy.stop()  # the worker's Directus refuses connections
    try:
        result = send(producer, user, request, Usage(4))

        async def retry_scheduled() -> bool:  # the first attempt failed
            return await asyncio.to_thread(lambda: result.state) == "RETRY"

        await eventually(retry_scheduled, seconds=15, every=0.05)
        assert await rows_of(credits, request) == []
    finally:
        await directus_proxy.start()
    assert await outcome(result) == 4
    assert len(await rows_of(credits, request)) == 1
    assert await credits.balance(user) == 96


async def test_a_lasting_error_is_not_retried_and_the_request_is_logged(
    worker: CeleryWorker, producer: Celery, credits: Credits
) -> None:
    request = f"test:{uuid.uuid4()}"
    unknown_user = str(uuid.uuid4())  # the ledger's user must exist: Directus refuses the row
    result = send(producer, unknown_user, request, Usage(3))
    with pytest.raises(SettlementRefused, match="BAD_USER_INPUT"):
        await outcome(result)  # retried, it would fail only after minutes of backoff
    assert await rows_of(credits, request) == []
    # The worker logs just after it stores the result.
    await eventually(lambda: "credits settlement given up" in worker.logfile.read_text())
    lines = [line for line in worker.logfile.read_text().splitlines() if request in line]
    assert sum(" received" in line for line in lines) == 1
    assert any("credits settlement given up" in line for line in lines)
