"""Reading a streamed SSE response: bytes split into events however the chunks fall, and the
first-byte deadline (the gap between chunks is the client's read timeout: test_openai_compatible
and test_anthropic)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from subgraphs.ai.providers.sse import SseEvent, read_sse


def response_of(
    chunks: list[bytes], pause: float = 0.0, first_pause: float = 0.0
) -> httpx.Response:
    """A streamed response whose body arrives in `chunks`, `pause` seconds apart."""

    async def body() -> AsyncIterator[bytes]:
        await asyncio.sleep(first_pause)
        for index, chunk in enumerate(chunks):
            if index:
                await asyncio.sleep(pause)
            yield chunk

    request = httpx.Request("POST", "http://llm/v1")
    return httpx.Response(200, content=body(), request=request)


async def events_of(response: httpx.Response, first_byte: float = 5.0) -> list[SseEvent]:
    deadline = asyncio.get_running_loop().time() + first_byte
    return [event async for event in read_sse(response, deadline)]


async def test_events_are_the_same_however_the_bytes_are_split() -> None:
    raw = (
        ': keep-alive\r\n\r\nevent: message_start\r\ndata: {"a":\r\ndata: 1}\r\n\r\n'
        "data: caf\u00e9 \u2603\n\ndata:no-space\rdata\r\r"
        "data: [DONE]\n\n"
    ).encode()
    expected = [
        SseEvent("message_start", '{"a":\n1}'),
        SseEvent("", "caf\u00e9 \u2603"),
        SseEvent("", "no-space\n"),
        SseEvent("", "[DONE]"),
    ]
    assert await events_of(response_of([raw])) == expected
    # One byte at a time: CRLF pairs, and UTF-8 sequences, cut in the middle.
    assert await events_of(response_of([raw[i : i + 1] for i in range(len(raw))])) == expected
    for cut in range(1, len(raw)):
        assert await events_of(response_of([raw[:cut], raw[cut:]])) == expected, cut


async def test_a_last_event_without_a_blank_line_is_kept() -> None:
    raw = b"data: one\r\n\r\nevent: ping\r\ndata:two\r"
    assert await events_of(response_of([raw])) == [SseEvent("", "one"), SseEvent("ping", "two")]


async def test_event_name_does_not_leak_into_the_next_event() -> None:
    raw = b"event: error\n\ndata: x\n\n"
    assert await events_of(response_of([raw])) == [SseEvent("", "x")]


async def test_an_empty_body_has_no_events() -> None:
    assert await events_of(response_of([])) == []


async def test_a_late_first_chunk_times_out() -> None:
    with pytest.raises(TimeoutError):
        await events_of(response_of([b"data: x\n\n"], first_pause=0.5), first_byte=0.1)
