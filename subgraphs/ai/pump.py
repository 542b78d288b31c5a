"""A provider stream read in its own task, handed out in coalesced batches.

Reading the provider in a task keeps cancellation clean: cancelling the task closes the
provider's HTTP stream, while the consumer only ever waits on an Event. Text deltas that
arrive within `window` seconds of the last batch are held and merged, so a reply sends tens
of events a second instead of one per token (DESIGN.md, "Hot paths"); anything else (a tool
call, the end) flushes at once.

`Finished` is a source's last event, so `batches()` ends with it. The reader may still be
reading the response's end then (providers drain it so its connection can be reused), which
is no reason to keep the reply waiting: `aclose()` leaves such a reader to end on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator

from subgraphs.ai.providers.base import Finished, StreamEvent, TextDelta

# Readers past their source's Finished, held until they end (the loop keeps only weak
# references to tasks).
_TAILS: set[asyncio.Task[None]] = set()


class StreamPump:
    """Pulls `source` into a queue; `batches()` yields merged events until the source ends."""

    def __init__(self, source: AsyncIterable[StreamEvent], window: float) -> None:
        self.window = window
        self.error: BaseException | None = None
        self.cancelled = False
        self._queue: deque[StreamEvent] = deque()
        self._ready = asyncio.Event()
        self._finished = False
        self._source_finished = False  # its Finished was read: what remains is the tail
        self._task = asyncio.create_task(self._run(source))

    async def _run(self, source: AsyncIterable[StreamEvent]) -> None:
        try:
            async for event in source:
                self._queue.append(event)
                self._source_finished = isinstance(event, Finished)
                self._ready.set()
        except asyncio.CancelledError:
            self.cancelled = not self._source_finished
        except Exception as error:  # handed to the consumer, which decides what it means
            if not self._source_finished:  # a failing tail does not undo a finished stream
                self.error = error
        finally:
            self._finished = True
            self._ready.set()
            closer = getattr(source, "aclose", None)
            if closer is not None:
                with contextlib.suppress(Exception):
                    await closer()

    def stop(self) -> None:
        """Stop reading: the provider's stream is closed, `batches()` ends."""
        self._task.cancel()

    def _only_text(self) -> bool:
        return all(isinstance(event, TextDelta) for event in self._queue)

    async def batches(self) -> AsyncIterator[list[StreamEvent]]:
        """Lists of events with consecutive text deltas merged into one."""
        last = float("-inf")
        while True:
            if not self._queue and not self._finished:
                self._ready.clear()
                await self._ready.wait()
            if self.window > 0 and self._queue and not self._finished and self._only_text():
                remaining = last + self.window - time.monotonic()
                if remaining > 0:
                    await asyncio.sleep(remaining)
            if self._queue:
                batch = _merged(self._queue)
                yield batch
                if isinstance(batch[-1], Finished):
                    return
                last = time.monotonic()
            elif self._finished:
                return

    async def aclose(self) -> None:
        """Stop the reader and wait for it (closes the provider stream), unless it is only
        reading the tail after Finished: that one ends on its own, bounded by the provider."""
        if self._source_finished and not self._task.done():
            _TAILS.add(self._task)
            self._task.add_done_callback(_TAILS.discard)
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def _merged(queue: deque[StreamEvent]) -> list[StreamEvent]:
    out: list[StreamEvent] = []
    while queue:
        event = queue.popleft()
        if isinstance(event, TextDelta) and out and isinstance(out[-1], TextDelta):
            out[-1] = TextDelta(out[-1].text + event.text)
        else:
            out.append(event)
    return out
