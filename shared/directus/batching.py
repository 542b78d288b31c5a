"""Rows of one collection created together: concurrent creates share Directus calls.

Each Directus call costs the Node process far more than the row it writes (routing, token
lookup, permissions): on this project's machines Directus writes about 176 rows/s one call
each, and 1,100 rows/s in calls of ten (tests/benchmarks/directus). A server storing many
replies and ledger rows at once would spend its Directus on that overhead.

`CreateBatcher` sends a row at once when the collection has been quiet (no call started in
the last `spacing_seconds`) or when its writers go one row after another (no row came while
a call was in flight: one user's messages, each awaited before the next, are never held
back). Once rows come from concurrent writers, calls start at most once per spacing (and at
most `lanes` at a time), until a call goes with a single row: the rows that arrive in
between go together, so a write waits at most the spacing more. When `enough_rows` (10)
wait, a free lane takes them at once, so writers that each wait for their row (64 of them in
tests/benchmarks/directus) are not held to one call per spacing. Sending whenever a lane was
free batched nothing at a steady rate: with 1,000 replies streaming (tests/benchmarks/ai),
about 85 rows/s went as 85 calls/s and Directus took 0.37 of the machine's 2 cores, its
routers waiting for a CPU 40% of the time; spaced by 0.2 s, 20 calls/s, 0.15 cores, routers
waiting 20%, and the p99 delay added between streamed chunks went from 126-166 ms to 43 ms.

Directus writes a call's rows in one transaction, all or none: when it refuses a batch for
something a row holds (HTTP 400: a duplicate, an invalid value), each of its rows is sent
again alone, so every caller gets its own answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shared.directus.api_errors import DirectusApiError

if TYPE_CHECKING:
    from shared.directus.client import DirectusClient

SPACING_SECONDS = 0.2  # a busy collection: at most five calls a second...
ENOUGH_ROWS = 10  # ...unless this many rows wait (calls of ten already cost little per row)
_Pending = tuple[dict[str, Any], asyncio.Future[None]]


class CreateBatcher:
    """Creates rows of `collection`: up to `lanes` calls in flight of up to `max_rows` each,
    starting `spacing_seconds` apart unless `enough_rows` rows wait."""

    def __init__(
        self,
        client: DirectusClient,
        collection: str,
        lanes: int = 2,
        max_rows: int = 100,
        spacing_seconds: float = SPACING_SECONDS,
        enough_rows: int = ENOUGH_ROWS,
    ) -> None:
        self.client = client
        self.collection = collection
        self.lanes = lanes
        self.max_rows = max_rows
        self.spacing_seconds = spacing_seconds
        self.enough_rows = enough_rows
        self._queue: list[_Pending] = []
        self._busy = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_start = float("-inf")  # loop time the last call started
        self._timer: asyncio.TimerHandle | None = None
        self._draining = False
        # Spaced only once rows came from concurrent writers: a writer awaiting each row
        # before the next (one user's messages) must not wait for company that never comes.
        self._spaced = False

    async def create(self, row: Mapping[str, Any]) -> None:
        """Create the row (with others when busy); raises as `DirectusClient.create_item`."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((dict(row), done))
        if self._busy:  # a row while another call is in flight: writers run concurrently
            self._spaced = True
        self._start_calls()
        await done

    async def drain(self) -> None:
        """Send every waiting row now, spacing aside, and wait for the calls in flight (the
        client is closing: a row must not wait for a call it can no longer make)."""
        self._draining = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._start_calls()
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _start_calls(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue and self._busy < self.lanes:
            wait = self._last_start + self.spacing_seconds - loop.time()
            hold = self._spaced and not self._draining and len(self._queue) < self.enough_rows
            if hold and wait > 0:
                if self._timer is None:
                    self._timer = loop.call_later(wait, self._spacing_over)
                return
            self._last_start = loop.time()
            batch, self._queue = self._queue[: self.max_rows], self._queue[self.max_rows :]
            if len(batch) == 1:  # no company came (or the collection was quiet): unspaced
                self._spaced = False
            self._busy += 1
            task = asyncio.create_task(self._send(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _spacing_over(self) -> None:
        self._timer = None
        self._start_calls()

    async def _send(self, batch: list[_Pending]) -> None:
        try:
            await self._write(batch)
        finally:
            self._busy -= 1
            self._start_calls()

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            rows = [row for row, _ in batch]
            await self.client.create_items(self.collection, rows, fields=("id",))
        except asyncio.CancelledError:
            for _, done in batch:
                done.cancel()
            raise
        except DirectusApiError as error:
            if error.status == 400 and len(batch) > 1:  # a row's fault: each alone
                await asyncio.gather(*(self._write([pending]) for pending in batch))
            else:
                _answer(batch, error)
        except Exception as error:
            _answer(batch, error)
        else:
            _answer(batch, None)


def _answer(batch: list[_Pending], error: Exception | None) -> None:
    """Every waiting caller of the batch learns the outcome (None: stored)."""
    for _, done in batch:
        if done.done():
            continue  # its caller was cancelled
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
