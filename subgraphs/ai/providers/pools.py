"""An httpx transport that spreads requests over several small connection pools.

httpcore's pool does bookkeeping in the square of its connection count on every request start
and every response close (it lists the connections again for each idle one). A streamed reply
holds its connection for its whole length, so a provider serving 1,000 replies at once would
keep one pool of 1,000 connections and spend seconds of CPU per burst on that bookkeeping.
Pools of at most `POOL_SIZE` connections keep it small; requests go to the pools in turn.
"""

from __future__ import annotations

import itertools

import httpx

POOL_SIZE = 64


class PooledTransport(httpx.AsyncBaseTransport):
    """`max_connections` in pools of at most POOL_SIZE, used in turn."""

    def __init__(self, max_connections: int, max_keepalive_connections: int) -> None:
        count = max(1, -(-max_connections // POOL_SIZE))
        self.pools = [
            httpx.AsyncHTTPTransport(
                limits=httpx.Limits(
                    max_connections=-(-max_connections // count),
                    max_keepalive_connections=max(1, -(-max_keepalive_connections // count)),
                )
            )
            for _ in range(count)
        ]
        self._turn = itertools.cycle(self.pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send on the next pool."""
        return await next(self._turn).handle_async_request(request)

    async def aclose(self) -> None:
        """Close every pool."""
        for pool in self.pools:
            await pool.aclose()
