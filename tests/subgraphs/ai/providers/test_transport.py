"""SSE parsing and HTTP error helpers shared by the providers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from subgraphs.ai.providers.base import ProviderError, ProviderErrorKind
from subgraphs.ai.providers.transport import SseEvent, iter_sse, parse_json_data, parse_retry_after


async def _events(raw: str) -> list[SseEvent]:
    async def lines() -> AsyncIterator[str]:
        # httpx's own line splitter, so CR, LF and CRLF are handled as on the wire.
        response = httpx.Response(200, content=raw.encode())
        async for line in response.aiter_lines():
            yield line

    return [event async for event in iter_sse(lines())]


async def test_sse_joins_multi_line_data_and_skips_comments() -> None:
    raw = ': keep-alive\n\nevent: message_start\ndata: {"a":\ndata: 1}\n\ndata: [DONE]\n\n'
    assert await _events(raw) == [
        SseEvent("message_start", '{"a":\n1}'),
        SseEvent("", "[DONE]"),
    ]


async def test_sse_accepts_crlf_and_a_last_event_without_blank_line() -> None:
    raw = "data: one\r\n\r\nevent: ping\r\ndata:two"
    assert await _events(raw) == [SseEvent("", "one"), SseEvent("ping", "two")]


async def test_sse_event_name_does_not_leak_into_the_next_event() -> None:
    raw = "event: error\n\ndata: x\n\n"
    assert await _events(raw) == [SseEvent("", "x")]


def test_retry_after_in_seconds_and_as_http_date() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=lambda: 1445412480.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412490.0) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_non_object_json_chunk_is_malformed() -> None:
    with pytest.raises(ProviderError) as caught:
        parse_json_data("p", "[1, 2]")
    assert caught.value.kind is ProviderErrorKind.MALFORMED and "p sent" in caught.value.message
