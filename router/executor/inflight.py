"""Merges identical query fetches that are in flight at the same time (never mutations).

Two requests sending the same operation with the same variables and headers to the
same subgraph while the first is still waiting share one subgraph call. The leader
gets the decoded response; each follower gets its own copy (decoded from one
snapshot), because the executor merges into responses in place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

Response = dict[str, Any]


class _Flight:
    __slots__ = ("followers", "future")

    def __init__(self, future: asyncio.Future[bytes]) -> None:
        self.future = future
        self.followers = 0


class InflightFetches:
    """The subgraph calls currently in flight, by their identity."""

    def __init__(self) -> None:
        self._flights: dict[bytes, _Flight] = {}

    def __len__(self) -> int:
        return len(self._flights)

    @staticmethod
    def key(
        service: str,
        operation: str,
        variables: dict[str, Any] | None,
        headers: dict[str, str] | None,
    ) -> bytes:
        """The identity of a fetch: same subgraph, operation, variables and headers."""
        return orjson.dumps((service, operation, variables, headers), option=orjson.OPT_SORT_KEYS)

    async def fetch(self, key: bytes, call: Callable[[], Awaitable[Response]]) -> Response:
        """``call()``, or the answer of an identical call already in flight."""
        flight = self._flights.get(key)
        if flight is not None:
            return await self._follow(flight, call)
        flight = self._flights[key] = _Flight(asyncio.get_running_loop().create_future())
        try:
            result = await call()
        except asyncio.CancelledError:
            self._flights.pop(key, None)
            flight.future.cancel()  # followers make their own call
            raise
        except Exception as exc:
            self._flights.pop(key, None)
            if flight.followers:
                flight.future.set_exception(exc)
            raise
        self._flights.pop(key, None)
        if flight.followers:
            # A snapshot before the leader merges into (and so changes) its result.
            flight.future.set_result(orjson.dumps(result))
        return result

    @staticmethod
    async def _follow(flight: _Flight, call: Callable[[], Awaitable[Response]]) -> Response:
        flight.followers += 1
        try:
            snapshot = await asyncio.shield(flight.future)
        except asyncio.CancelledError:
            if flight.future.cancelled():
                return await call()  # the leader was cancelled, not us
            raise
        answer: Response = orjson.loads(snapshot)
        return answer
