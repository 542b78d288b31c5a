"""MicroBatcher: concurrent callers on one loop share one call of the batch function."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence

import pytest

from subgraphs.ai.preprocessing.batching import MicroBatcher


class Doubler:
    """A batch function that doubles numbers, records its batches and can be held."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def __call__(self, items: Sequence[int]) -> list[int]:
        self.batches.append(list(items))
        self.started.set()
        assert self.release.wait(timeout=30)
        if any(item < 0 for item in items):
            raise ValueError(f"negative item in {list(items)}")
        return [item * 2 for item in items]


def threaded(doubler: Doubler) -> Callable[[Sequence[int]], Awaitable[list[int]]]:
    """The doubler as a batch function run in a worker thread (as the in-thread preprocessor)."""

    async def run(items: Sequence[int]) -> list[int]:
        return await asyncio.to_thread(doubler, items)

    return run


async def _wait_started(doubler: Doubler) -> None:
    assert await asyncio.to_thread(doubler.started.wait, 30)
    doubler.started.clear()


async def test_a_lone_call_runs_at_once_as_a_batch_of_one() -> None:
    doubler = Doubler()
    batcher = MicroBatcher(threaded(doubler))
    assert await batcher.submit(21) == 42
    assert doubler.batches == [[21]] and list(batcher.batch_sizes) == [1]


async def test_calls_made_together_share_one_batch_and_get_their_own_results() -> None:
    doubler = Doubler()
    batcher = MicroBatcher(threaded(doubler))
    results = await asyncio.gather(*(batcher.submit(n) for n in range(5)))
    assert results == [0, 2, 4, 6, 8]
    assert doubler.batches == [[0, 1, 2, 3, 4]]


async def test_calls_arriving_while_a_batch_runs_form_the_next_batches_up_to_the_bound() -> None:
    doubler = Doubler()
    batcher = MicroBatcher(threaded(doubler), max_batch=4)
    doubler.release.clear()
    first = batcher.submit(100)
    await _wait_started(doubler)
    later = [batcher.submit(n) for n in range(10)]
    doubler.release.set()
    assert await first == 200
    assert await asyncio.gather(*later) == [n * 2 for n in range(10)]
    assert [len(batch) for batch in doubler.batches] == [1, 4, 4, 2]


async def test_an_error_in_a_batch_reaches_every_caller_of_that_batch_only() -> None:
    doubler = Doubler()
    batcher = MicroBatcher(threaded(doubler))
    doubler.release.clear()
    first = batcher.submit(1)
    await _wait_started(doubler)
    failing = [batcher.submit(n) for n in (2, -1, 3)]
    doubler.release.set()
    assert await first == 2
    outcomes = await asyncio.gather(*failing, return_exceptions=True)
    assert all(isinstance(outcome, ValueError) for outcome in outcomes)
    assert await batcher.submit(4) == 8  # the batcher goes on after a failed batch


async def test_a_caller_cancelled_before_its_batch_runs_is_left_out() -> None:
    doubler = Doubler()
    batcher = MicroBatcher(threaded(doubler))
    doubler.release.clear()
    first = batcher.submit(1)
    await _wait_started(doubler)
    kept, dropped = batcher.submit(2), batcher.submit(3)
    dropped.cancel()
    doubler.release.set()
    assert (await first, await kept) == (2, 4)
    assert doubler.batches == [[1], [2]]


async def test_a_caller_cancelled_while_its_batch_runs_does_not_disturb_the_others() -> None:
    doubler = Doubler()
    batcher = MicroBatcher(threaded(doubler))
    doubler.release.clear()

    async def caller(n: int) -> int:
        return await batcher.submit(n)

    callers = [asyncio.create_task(caller(n)) for n in (1, 2, 3)]
    await _wait_started(doubler)
    callers[1].cancel()
    doubler.release.set()
    assert await callers[0] == 2 and await callers[2] == 6
    with pytest.raises(asyncio.CancelledError):
        await callers[1]
    assert doubler.batches == [[1, 2, 3]]


async def test_a_batch_function_giving_the_wrong_number_of_results_fails_its_callers() -> None:
    async def one_result(items: Sequence[int]) -> list[int]:
        return [0]

    batcher: MicroBatcher[int, int] = MicroBatcher(one_result)
    outcomes = await asyncio.gather(batcher.submit(1), batcher.submit(2), return_exceptions=True)
    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)


def test_a_batch_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        MicroBatcher(threaded(Doubler()), max_batch=0)


async def test_cancelled_callers_do_not_take_places_in_a_batch() -> None:
    doubler = Doubler()
    batcher = MicroBatcher(threaded(doubler), max_batch=3)
    doubler.release.clear()
    first = batcher.submit(0)
    await _wait_started(doubler)
    queued = [batcher.submit(n) for n in range(1, 7)]
    for future in queued[:3]:
        future.cancel()
    doubler.release.set()
    assert await first == 0
    assert await asyncio.gather(*queued[3:]) == [8, 10, 12]
    assert doubler.batches == [[0], [4, 5, 6]]
