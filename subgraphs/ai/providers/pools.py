"""An httpx transport that spreads requests over several small connection pools.

httpcore's pool does bookkeeping in the square of its connection count on every request start
and every response close (it lists the connections again for each idle one). A streamed reply
holds its connection for its whole length, so a provider serving 1,000 replies at once would
keep one pool of 1,000 connections and spend seconds of CPU per burst on that bookkeeping.
Pools of at most `POOL_SIZE` connections keep it small.

A finished reply's connection should serve the next one: to a real provider a new connection
costs a TCP and TLS handshake before the first token. Two things stood in the way:
- httpcore 1.0.9 closes a connection that goes idle whenever its pool holds more connections
  than `max_keepalive_connections`, busy ones included (it compares the length of a list of
  every connection, not of the idle ones). With replies streaming on most of a pool's
  connections, every connection was closed as its reply ended: one new connection per reply.
  So each pool may keep all its connections; idle ones still close after httpx's
  `keepalive_expiry` (5 s), checked whenever their pool starts or ends a request.
- Requests taken by the pools in turn land on a pool without an idle connection while another
  has one. A request goes to a pool holding an idle connection when there is one, else to the
  pool with the fewest connections.
"""

from __future__ import annotations

import httpx

POOL_SIZE = 64


class PooledTransport(httpx.AsyncBaseTransport):
    """`max_connections` in pools of at most POOL_SIZE; an idle connection serves first."""

    def __init__(self, max_connections: int) -> None:
        count = max(1, -(-max_connections // POOL_SIZE))
        size = -(-max_connections // count)
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        self.pools = [httpx.AsyncHTTPTransport(limits=limits) for _ in range(count)]
        self._next = 0  # where the search for an idle connection starts: spreads the reuse

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send on a pool with an idle connection, else on the least used pool."""
        return await self._pick().handle_async_request(request)

    def _pick(self) -> httpx.AsyncHTTPTransport:
        # A provider's client talks to one origin: any idle connection can take the request.
        # (httpx shows no pool state of its own: its transport's httpcore pool is asked.)
        count = len(self.pools)
        least, fewest = self.pools[0], POOL_SIZE + 1
        for step in range(count):
            pool = self.pools[(self._next + step) % count]
            connections = pool._pool.connections
            if any(connection.is_idle() for connection in connections):
                self._next = (self._next + step + 1) % count
                return pool
            if len(connections) < fewest:
                least, fewest = pool, len(connections)
        return least

    async def aclose(self) -> None:
        """Close every pool."""
        for pool in self.pools:
            await pool.aclose()
