"""Letting a finished httpx response go by reference counting, without the cyclic collector.

`httpx.AsyncClient.send` wraps a response's stream in a `BoundAsyncStream` that refers back to
the response: a reference cycle holding the request, the response, their headers and URLs and
httpcore's pool request with its events, about 45 objects per call. Each call's objects then
wait for the cyclic collector, whose passes stop the whole process (every open stream with it)
for longer the more there is to walk: with 1,000 replies streaming, the provider's calls alone
left about 1,100 such objects a second per router process (tests/benchmarks/ai).
"""

from __future__ import annotations

import httpx

_NO_STREAM = httpx.ByteStream(b"")


def unlink_stream(response: httpx.Response) -> None:
    """Break the response's cycle once it is closed (its `content`, if read, stays)."""
    if response.is_closed:
        response.stream = _NO_STREAM
