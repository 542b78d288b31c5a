"""Rows of one collection created together: concurrent creates share Directus calls.

Each Directus call costs the Node process far more than the row it writes (routing, token
lookup, permissions): on this project's machines Directus writes about 176 rows/s one call
each, and 1,100 rows/s in calls of ten (tests/benchmarks/directus). A server storing many
replies and ledger rows at once would spend its Directus on that overhead.

`CreateBatcher` batches without waiting: a row is sent at once when one of two lanes is
free, and rows that arrive while both are busy go out together in the next call. An idle
server adds no delay; a busy one sends fewer, larger calls. Directus writes a call's rows
in one transaction, all or none: when it refuses a batch for something a row holds (HTTP
400: a duplicate, an invalid value), each of its rows is sent again alone, so every caller
gets its own answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shared.directus.api_errors import DirectusApiError

if TYPE_CHECKING:
    from shared.directus.client import DirectusClient

_Pending = tuple[dict[str, Any], asyncio.Future[None]]


class CreateBatcher:
    """Creates rows of `collection`, up to `lanes` calls in flight of up to `max_rows` each."""

    def __init__(
        self, client: DirectusClient, collection: str, lanes: int = 2, max_rows: int = 100
    ) -> None:
        self.client = client
        self.collection = collection
        self.lanes = lanes
        self.max_rows = max_rows
        self._queue: list[_Pending] = []
        self._busy = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def create(self, row: Mapping[str, Any]) -> None:
        """Create the row (with others when busy); raises as `DirectusClient.create_item`."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((dict(row), done))
        self._start_calls()
        await done

    def _start_calls(self) -> None:
        while self._queue and self._busy < self.lanes:
            batch, self._queue = self._queue[: self.max_rows], self._queue[self.max_rows :]
            self._busy += 1
            task = asyncio.create_task(self._send(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

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
