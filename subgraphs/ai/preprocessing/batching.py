"""Micro-batching on an event loop: concurrent callers share one call of the batch function.

Callers `submit` an item and await its future. One drain task per batcher takes everything
pending (up to `max_batch`) and awaits `run(items)` once; calls that arrive meanwhile wait for
the next batch, so at most one batch is in flight. Nothing waits to gather a batch: a lone
call starts on the loop's next turn, so batches only form while a previous batch is running,
i.e. under load. Where the work runs (a worker thread, a child process) is `run`'s business.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class _Job(Generic[T, R]):
    item: T
    future: asyncio.Future[R]


class MicroBatcher(Generic[T, R]):
    """Awaits `run` on batches of items submitted concurrently on one event loop.

    `run` gets at least one item and returns one result per item, in order; if it raises,
    every caller of that batch gets the error. A caller that is cancelled is dropped from its
    batch (or, if the batch is already running, its result is discarded); others are unaffected.
    """

    def __init__(
        self, run: Callable[[Sequence[T]], Awaitable[Sequence[R]]], max_batch: int = 32
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._run = run
        self.max_batch = max_batch
        self._pending: deque[_Job[T, R]] = deque()
        self._drain: asyncio.Task[None] | None = None
        # The sizes of the latest batches run, for tests and benchmarks.
        self.batch_sizes: deque[int] = deque(maxlen=1024)

    def submit(self, item: T) -> asyncio.Future[R]:
        """Queues an item; the future resolves with its result (call from the event loop)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._pending.append(_Job(item, future))
        if self._drain is None:
            self._drain = loop.create_task(self._drain_pending())
        return future

    async def _drain_pending(self) -> None:
        try:
            while self._pending:
                live: list[_Job[T, R]] = []
                while self._pending and len(live) < self.max_batch:
                    job = self._pending.popleft()
                    if not job.future.done():  # else its caller was cancelled while queued
                        live.append(job)
                if live:
                    await self._run_batch(live)
        finally:
            self._drain = None
            # Cancelled with callers still queued (the loop is shutting down): none waits forever.
            for job in self._pending:
                job.future.cancel()
            self._pending.clear()

    async def _run_batch(self, jobs: list[_Job[T, R]]) -> None:
        self.batch_sizes.append(len(jobs))
        try:
            results = await self._run([job.item for job in jobs])
            if len(results) != len(jobs):
                raise RuntimeError(f"batch of {len(jobs)} gave {len(results)} results")
        except Exception as error:
            for job in jobs:  # every caller of the batch gets the error
                if not job.future.done():
                    job.future.set_exception(error)
            return
        except BaseException:  # the drain itself was cancelled: no caller is left waiting
            for job in jobs:
                job.future.cancel()
            raise
        for job, result in zip(jobs, results, strict=True):
            if not job.future.done():  # its caller was cancelled while the batch ran
                job.future.set_result(result)
