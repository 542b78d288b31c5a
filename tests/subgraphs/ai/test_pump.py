"""StreamPump: text deltas coalesced over the window, other events flushed at once, stop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from subgraphs.ai.providers.base import Finished, StreamEvent, TextDelta, ToolCallStarted
from subgraphs.ai.pump import StreamPump


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
    assert closed == [True]


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
