"""Reading a provider's streamed SSE response: bytes to events, and the first-byte deadline.

Every chunk of every reply passes here, so the path is kept short: the response's bytes are
split into lines and events in one generator (no text decoder, line splitter and deadline
wrapper stacked as generators). The gap between chunks is the client's read timeout
(transport.http_client).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

# How long a stream's end may take to come after its last event. It usually comes with it.
DRAIN_SECONDS = 1.0


@dataclass(frozen=True)
class SseEvent:
    """One server-sent event: its `event:` name (empty when absent) and joined `data:` lines."""

    event: str
    data: str


async def read_sse(response: httpx.Response, first_byte_deadline: float) -> AsyncIterator[SseEvent]:
    """The response's events, per the WHATWG rules (CR, LF or CRLF line ends, comments).

    TimeoutError when the first chunk comes after `first_byte_deadline` (loop clock).
    """
    chunks = aiter(response.aiter_bytes())
    event, data = "", list[str]()
    pending = b""
    try:
        async with asyncio.timeout_at(first_byte_deadline):
            chunk = await anext(chunks)
    except StopAsyncIteration:
        return
    while True:
        pending += chunk
        if b"\r" in pending:
            pending = _lf_only(pending)
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line:
                event = _field(line, event, data)
            elif data:
                yield SseEvent(event, "\n".join(data))
                event, data = "", []
            else:
                event = ""
        try:
            chunk = await anext(chunks)
        except StopAsyncIteration:
            break
    if pending.endswith(b"\r"):
        pending = pending[:-1]
    if pending:
        event = _field(pending, event, data)
    if data:
        yield SseEvent(event, "\n".join(data))


def _lf_only(pending: bytes) -> bytes:
    """CRLF and CR line ends as LF; a CR at the end is kept (its LF may come next)."""
    held = pending.endswith(b"\r")
    body = (pending[:-1] if held else pending).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return body + b"\r" if held else body


def _field(line: bytes, event: str, data: list[str]) -> str:
    """Applies one non-empty line to the event being built; returns its (new) name."""
    if line.startswith(b"data: "):  # nearly every line: the fast case first
        data.append(line[6:].decode("utf-8", "replace"))
        return event
    if line.startswith(b":"):
        return event  # a comment, e.g. OpenRouter's ": PROCESSING" keep-alives
    name, _, value = line.partition(b":")
    value = value.removeprefix(b" ")
    if name == b"data":
        data.append(value.decode("utf-8", "replace"))
    elif name == b"event":
        return value.decode("utf-8", "replace")
    return event


async def drain(events: AsyncIterator[SseEvent], seconds: float = DRAIN_SECONDS) -> None:
    """Read what is left of a stream after its last event (usually just the body's end).

    A response read to its end leaves its connection in the pool for the next request; one
    closed before its end costs the next reply a new connection (to a real provider, a TLS
    handshake too). What still comes is dropped. Past `seconds`, or on a transport error, the
    caller's closing of the response closes the connection, as before.
    """
    async with contextlib.aclosing(events):
        with contextlib.suppress(TimeoutError, httpx.HTTPError):
            async with asyncio.timeout(seconds):
                async for _ in events:
                    pass
