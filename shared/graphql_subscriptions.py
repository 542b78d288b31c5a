"""Subscription events executed in the subscriber's own task, not in two new tasks each.

graphql-core 3.2 (what Strawberry runs on here) maps a subscription's source events to
results with `MapAsyncIterator`, whose every `__anext__` wraps the source's next event and a
close event in two new tasks and waits for the first with `asyncio.wait`. For a streamed AI
reply that is, per text delta, two tasks with their contexts, futures and callbacks, the
cancellation of the loser, and the whole resolver chain run in a fresh task: about 30 more
objects for the cyclic collector to walk and a sizeable share of the event's CPU
(tests/benchmarks/ai). graphql-core 3.3 replaces it with a plain async generator
(`map_async_iterable`). `StraightMapAsyncIterator` does what that one does while keeping 3.2's
type: the next event is awaited directly, so cancelling the subscriber cancels the resolver
where it waits, and closing closes the source.

The one thing it gives up: `aclose()` called from another task while an `__anext__` waits no
longer ends that wait at once. Strawberry closes a subscription from the task that iterates
it (after cancelling that task, for a client's `complete`), and so does the router.
"""

from __future__ import annotations

import importlib
from inspect import isawaitable
from typing import Any

from graphql.execution.map_async_iterator import MapAsyncIterator

# The module, not the function of the same name that `graphql.execution` exports.
_SUBSCRIBE = importlib.import_module("graphql.execution.subscribe")


class StraightMapAsyncIterator(MapAsyncIterator):
    """graphql-core's MapAsyncIterator with the next event awaited in the caller's task."""

    async def __anext__(self) -> Any:
        if self.is_closed:
            return await super().__anext__()
        value = await self.iterator.__anext__()
        result = self.callback(value)
        return await result if isawaitable(result) else result


def use_straight_subscriptions() -> None:
    """Make graphql-core's `subscribe` map events with StraightMapAsyncIterator (idempotent)."""
    _SUBSCRIBE.MapAsyncIterator = StraightMapAsyncIterator  # type: ignore[attr-defined]
