"""Subscriptions of Mateway schemas: each event runs in the subscriber's task; cancelling or
closing the subscriber closes the resolver; errors still arrive as results."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncGenerator, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import strawberry
from graphql.execution.map_async_iterator import MapAsyncIterator

from shared.errors import INTERNAL_MESSAGE, MatewaySchema
from shared.graphql_subscriptions import StraightMapAsyncIterator

SUBSCRIBE = importlib.import_module("graphql.execution.subscribe")

EVENTS = 20
closed: list[str] = []
gate = asyncio.Event()


@strawberry.type
class Query:
    ping: str = "pong"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self, upto: int) -> AsyncGenerator[int, None]:
        try:
            for number in range(upto):
                yield number
        finally:
            closed.append("count")

    @strawberry.subscription
    async def waits(self) -> AsyncGenerator[int, None]:
        try:
            yield 0
            await gate.wait()  # until the subscriber is cancelled
            yield 1
        finally:
            closed.append("waits")

    @strawberry.subscription
    async def fails(self) -> AsyncGenerator[int, None]:
        yield 0
        raise ValueError("the source broke")


SCHEMA = MatewaySchema(query=Query, subscription=Subscription)


@pytest.fixture(autouse=True)
def clear_closed() -> None:
    closed.clear()


async def results(query: str) -> list[Any]:
    stream = await SCHEMA.subscribe(query)
    assert not isinstance(stream, strawberry.types.ExecutionResult)
    return [result async for result in stream]


@contextmanager
def counting_tasks() -> Iterator[list[int]]:
    """Tasks created on the running loop inside the block (one entry each)."""
    created: list[int] = []
    loop = asyncio.get_running_loop()

    def factory(
        loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]
    ) -> asyncio.Task[Any]:
        created.append(1)
        return asyncio.Task(coro, loop=loop)

    loop.set_task_factory(factory)  # type: ignore[arg-type]
    try:
        yield created
    finally:
        loop.set_task_factory(None)


async def test_events_run_in_the_subscribers_task() -> None:
    assert SUBSCRIBE.MapAsyncIterator is StraightMapAsyncIterator
    with counting_tasks() as created:
        found = await results(f"subscription {{ count(upto: {EVENTS}) }}")
    assert [result.data for result in found] == [{"count": n} for n in range(EVENTS)]
    assert created == [] and closed == ["count"]


async def test_graphql_cores_own_mapping_makes_two_tasks_an_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the replacement is for (and proof that the count above can fail).
    monkeypatch.setattr(SUBSCRIBE, "MapAsyncIterator", MapAsyncIterator)
    with counting_tasks() as created:
        await results(f"subscription {{ count(upto: {EVENTS}) }}")
    assert len(created) >= 2 * EVENTS


async def test_cancelling_the_subscriber_closes_the_resolver_where_it_waits() -> None:
    stream = await SCHEMA.subscribe("subscription { waits }")
    assert not isinstance(stream, strawberry.types.ExecutionResult)
    first = asyncio.Event()

    async def subscriber() -> None:
        async for _ in stream:
            first.set()

    task = asyncio.create_task(subscriber())
    await first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert closed == ["waits"]


async def test_leaving_early_closes_the_source() -> None:
    stream = await SCHEMA.subscribe(f"subscription {{ count(upto: {EVENTS}) }}")
    assert not isinstance(stream, strawberry.types.ExecutionResult)
    async for result in stream:
        assert result.data == {"count": 0}
        break
    await stream.aclose()  # type: ignore[attr-defined]
    assert closed == ["count"]


async def test_an_error_of_the_source_arrives_as_a_result() -> None:
    found = await results("subscription { fails }")
    assert found[0].data == {"fails": 0}
    assert [error.message for error in found[-1].errors] == [INTERNAL_MESSAGE]  # unexpected
