"""Reading a provider's streamed SSE response: bytes to events, with its two deadlines.

Every chunk of every reply passes here, so the path is kept short: the response's bytes are
split into lines and events in one generator (no text decoder, line splitter and deadline
wrapper stacked as generators), and the gap between chunks is watched by one timer per
stream that re-arms itself, not by a timer set and cancelled around every socket read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class SseEvent:
    """One server-sent event: its `event:` name (empty when absent) and joined `data:` lines."""

    event: str
    data: str


class ChunkWatchdog:
    """Raises TimeoutError in a read that waits longer than `gap` seconds.

    One timer per stream: when it fires it checks whether a read is under way and since
    when, and either times that read out or sleeps until that read's own deadline.
    """

    def __init__(self, gap: float) -> None:
        self._gap = gap
        self._loop = asyncio.get_running_loop()
        self._since = self._loop.time()
        self._reading: asyncio.Timeout | None = None
        self._timer: asyncio.TimerHandle | None = None

    async def read(self, chunks: AsyncIterator[bytes]) -> bytes:
        """The next chunk; TimeoutError when it takes longer than the gap."""
        self._since = self._loop.time()
        if self._timer is None:
            self._timer = self._loop.call_at(self._since + self._gap, self._check)
        # No deadline of its own: only `_check` sets one, when the read is overdue.
        async with asyncio.timeout(None) as reading:
            self._reading = reading
            try:
                return await anext(chunks)
            finally:
                self._reading = None

    def _check(self) -> None:
        now = self._loop.time()
        due = self._since + self._gap
        if self._reading is not None and now >= due:
            self._timer = None
            self._reading.reschedule(now)  # the read raises TimeoutError
            return
        # Between reads (the consumer is busy) a full gap is allowed from now.
        self._timer = self._loop.call_at(
            due if self._reading is not None else now + self._gap, self._check
        )

    def close(self) -> None:
        """Stops the timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def stop_read_timeouts(response: httpx.Response) -> None:
    """Lets `ChunkWatchdog` bound the body's reads instead of a timer around each of them.

    httpx passes the request's timeout dict to httpcore, which reads it when the body is
    read; the response's headers and any error body were read with the read timeout.
    """
    timeout = response.request.extensions.get("timeout")
    if isinstance(timeout, dict):
        timeout["read"] = None


async def read_sse(
    response: httpx.Response, first_byte_deadline: float, between_chunks: float
) -> AsyncIterator[SseEvent]:
    """The response's events, per the WHATWG rules (CR, LF or CRLF line ends, comments).

    TimeoutError when the first chunk comes after `first_byte_deadline` (loop clock) or
    a later one more than `between_chunks` seconds after the read for it began.
    """
    chunks = aiter(response.aiter_bytes())
    watchdog = ChunkWatchdog(between_chunks)
    stop_read_timeouts(response)
    event, data = "", list[str]()
    pending = b""
    try:
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
                chunk = await watchdog.read(chunks)
            except StopAsyncIteration:
                break
    finally:
        watchdog.close()
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
