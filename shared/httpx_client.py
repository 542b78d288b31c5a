"""httpx's client with finished responses freed by reference counting, not the cyclic collector.

`httpx.AsyncClient.send` wraps a response's stream in a `BoundAsyncStream` that refers back to
the response: a reference cycle holding the request, the response, their headers and URLs and
httpcore's pool request with its events, about 45 objects per call. Each call's objects then
wait for the cyclic collector, whose passes stop the whole process (every open stream with it)
for longer the more there is to walk: with 1,000 replies streaming, the provider's calls alone
left about 1,100 such objects a second per router process (tests/benchmarks/ai).

Mateway's servers make their HTTP calls with `AsyncClient`, which breaks the cycle of every
response it has read. A streamed response (`stream=True`) is still being read when `send`
returns: its reader calls `unlink_stream` once it has closed it.
"""

from __future__ import annotations

from typing import Any

import httpx

_NO_STREAM = httpx.ByteStream(b"")


def unlink_stream(response: httpx.Response) -> None:
    """Break the response's cycle once it is closed (its `content`, if read, stays)."""
    if response.is_closed:
        response.stream = _NO_STREAM


class AsyncClient(httpx.AsyncClient):
    """`httpx.AsyncClient` whose read responses are freed as soon as they are dropped."""

    async def send(
        self, request: httpx.Request, *, stream: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """As httpx's; a response read here (not streamed) comes back unlinked."""
        response = await super().send(request, stream=stream, **kwargs)
        if not stream:
            unlink_stream(response)
        return response
