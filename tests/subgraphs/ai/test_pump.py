"""StreamPump: text deltas coalesced over the window, other events flushed at once, stop, and
the end at Finished while the source reads its tail."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from subgraphs.ai.providers.base import Finished, StreamEvent, TextDelta, ToolCallStarted
from subgraphs.ai.pump import StreamPump
from tests.support.waiting import eventually


async def paced(count: int, gap: float, closed: list[bool]) -> AsyncIterator[StreamEvent]:
    try:
        for index in range(count):
            await asyncio.sleep(gap)
            yield TextDelta(f"t{index} ")
        yield ToolCallStarted("c1", "calcEvaluate")
        yield Finished("stop")
    finally:
        closed.append(True)


async def test_text_deltas_are_merged_within_the_window_and_nothing_is_lost() -> None:
    closed: list[bool] = []
    pump = StreamPump(paced(40, 0.002, closed), window=0.03)
    batches = [batch async for batch in pump.batches()]
    events = [event for batch in batches for event in batch]
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "".join(f"t{i} " for i in range(40))
    texts = [e for e in events if isinstance(e, TextDelta)]
    assert len(texts) < 20  # 40 tokens over ~80 ms in 30 ms windows
    assert isinstance(events[-1], Finished) and isinstance(events[-2], ToolCallStarted)
    await pump.aclose()
    await eventually(lambda: closed == [True])


async def test_a_held_delta_is_sent_when_the_window_ends_not_at_the_next_token() -> None:
    gate = asyncio.Event()

    async def source() -> AsyncIterator[StreamEvent]:
        yield TextDelta("a")
        await asyncio.sleep(0.001)
        yield TextDelta("b")
        await gate.wait()  # the model pauses; "b" must not wait for the next token
        yield Finished("stop")

    pump = StreamPump(source(), window=0.03)
    batches = pump.batches()
    assert await anext(batches) == [TextDelta("a")]
    sent_a = time.monotonic()
    assert await anext(batches) == [TextDelta("b")]
    held = time.monotonic() - sent_a
    assert 0.02 <= held < 0.3
    gate.set()
    assert await anext(batches) == [Finished("stop")]
    await pump.aclose()


async def test_stop_closes_the_source_and_ends_the_batches() -> None:
    closed: list[bool] = []
    pump = StreamPump(paced(10_000, 0.01, closed), window=0.0)
    batches = pump.batches()
    await anext(batches)
    pump.stop()
    rest = [batch async for batch in batches]
    assert len(rest) < 5 and pump.cancelled and closed == [True]


async def test_batches_end_at_finished_and_the_tail_is_read_to_its_end_not_cut() -> None:
    tail: list[str] = []

    async def source() -> AsyncIterator[StreamEvent]:
        yield TextDelta("a")
        yield Finished("stop")
        tail.append("reading")  # as a provider reads the response's end after its last event
        await asyncio.sleep(0.2)
        tail.append("read")

    pump = StreamPump(source(), window=0.0)
    started = time.monotonic()
    events = [event async for batch in pump.batches() for event in batch]
    await pump.aclose()
    assert time.monotonic() - started < 0.15  # neither waited for the tail
    assert events == [TextDelta("a"), Finished("stop")]
    await eventually(lambda: tail == ["reading", "read"])  # left to end, not cancelled
    assert pump.error is None and not pump.cancelled


async def test_a_tail_that_fails_does_not_fail_a_finished_stream() -> None:
    async def source() -> AsyncIterator[StreamEvent]:
        yield Finished("stop")
        raise ConnectionResetError("the provider dropped the connection after its end")

    pump = StreamPump(source(), window=0.0)
    assert [batch async for batch in pump.batches()] == [[Finished("stop")]]
    await eventually(lambda: pump._task.done())
    assert pump.error is None and not pump.cancelled


async def test_stop_before_finished_still_cuts_the_source() -> None:
    closed: list[bool] = []
    pump = StreamPump(paced(10_000, 0.01, closed), window=0.0)
    await anext(pump.batches())
    await pump.aclose()
    assert pump.cancelled and closed == [True]
