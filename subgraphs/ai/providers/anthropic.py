"""Anthropic Messages API streaming: `event:`/`data:` SSE pairs from message_start to
message_stop, text and tool_use content blocks, usage split between start and delta."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from subgraphs.ai.providers.base import (
    ChatMessage,
    ChatRequest,
    Finished,
    FinishReason,
    ProviderError,
    ProviderErrorKind,
    StreamEvent,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallFinished,
    ToolCallStarted,
    Usage,
)
from subgraphs.ai.providers.sse import drain, read_sse
from subgraphs.ai.providers.tool_args import parse_arguments
from subgraphs.ai.providers.transport import (
    Timeouts,
    http_client,
    malformed,
    open_stream,
    parse_json_data,
    stream_error,
)

ANTHROPIC_VERSION = "2023-06-01"
_STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
_ERROR_KINDS = {
    "overloaded_error": ProviderErrorKind.UNAVAILABLE,
    "api_error": ProviderErrorKind.UNAVAILABLE,
    "rate_limit_error": ProviderErrorKind.RATE_LIMITED,
    "authentication_error": ProviderErrorKind.AUTH,
    "permission_error": ProviderErrorKind.AUTH,
    "invalid_request_error": ProviderErrorKind.BAD_REQUEST,
}


def _content_blocks(message: ChatMessage) -> list[dict[str, Any]]:
    if message.role == "tool":
        return [
            {"type": "tool_result", "tool_use_id": message.tool_call_id, "content": message.content}
        ]
    blocks: list[dict[str, Any]] = []
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    for call in message.tool_calls:
        blocks.append(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
        )
    return blocks


def request_payload(request: ChatRequest) -> dict[str, Any]:
    """The JSON body of a streaming Messages request.

    System messages go to the top-level `system`; tool results become user turns, and
    consecutive turns of one role are merged because the API wants them alternating.
    """
    system = "\n\n".join(m.content for m in request.messages if m.role == "system")
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        if message.role == "system":
            continue
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _content_blocks(message)
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})
    body: dict[str, Any] = {
        "model": request.model,
        "messages": messages,
        "max_tokens": request.max_tokens,
        "stream": True,
    }
    if system:
        body["system"] = system
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.tools:
        body["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters}
            for t in request.tools
        ]
    return body


@dataclass
class _Block:
    kind: str
    id: str = ""
    name: str = ""
    json: list[str] = field(default_factory=list)


@dataclass
class _EventAssembler:
    """Turns Messages stream events into StreamEvents, keeping content blocks by index."""

    provider: str
    blocks: dict[int, _Block] = field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0
    stop: FinishReason = "stop"
    done: bool = False

    def feed(self, name: str, data: dict[str, Any]) -> list[StreamEvent]:
        kind = data.get("type", name)
        if kind == "error":
            raise self._error(data.get("error") or {})
        handler = getattr(self, f"_on_{kind}", None)
        if handler is None:
            return []  # ping, and event types added after this was written
        try:
            events: list[StreamEvent] = handler(data)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            what = f"a malformed {kind} event ({type(exc).__name__}: {exc}): {str(data)[:200]}"
            raise malformed(self.provider, what) from None
        return events

    def _on_message_start(self, data: dict[str, Any]) -> list[StreamEvent]:
        usage = data["message"].get("usage") or {}
        self.input_tokens = int(usage.get("input_tokens") or 0)
        self.output_tokens = int(usage.get("output_tokens") or 0)
        return []

    def _on_content_block_start(self, data: dict[str, Any]) -> list[StreamEvent]:
        block = data["content_block"]
        if block["type"] == "tool_use":
            self.blocks[data["index"]] = _Block("tool_use", block["id"], block["name"])
            return [ToolCallStarted(block["id"], block["name"])]
        self.blocks[data["index"]] = _Block(block["type"])
        text = block.get("text")
        return [TextDelta(text)] if block["type"] == "text" and text else []

    def _on_content_block_delta(self, data: dict[str, Any]) -> list[StreamEvent]:
        delta = data["delta"]
        block = self.blocks[data["index"]]
        if delta["type"] == "text_delta":
            return [TextDelta(delta["text"])] if delta["text"] else []
        if delta["type"] == "input_json_delta":
            fragment: str = delta["partial_json"]
            block.json.append(fragment)
            return [ToolCallArgumentsDelta(block.id, fragment)] if fragment else []
        return []  # thinking, citations and signature deltas carry no reply text

    def _on_content_block_stop(self, data: dict[str, Any]) -> list[StreamEvent]:
        block = self.blocks[data["index"]]
        if block.kind != "tool_use":
            return []
        arguments = parse_arguments(self.provider, block.name, "".join(block.json))
        return [ToolCallFinished(block.id, block.name, arguments)]

    def _on_message_delta(self, data: dict[str, Any]) -> list[StreamEvent]:
        reason = (data.get("delta") or {}).get("stop_reason")
        if isinstance(reason, str):
            self.stop = _STOP_REASONS.get(reason, "other")
        usage = data.get("usage") or {}
        # Output tokens in message_delta are cumulative; input tokens may be restated.
        self.output_tokens = int(usage.get("output_tokens") or self.output_tokens)
        self.input_tokens = int(usage.get("input_tokens") or self.input_tokens)
        return []

    def _on_message_stop(self, data: dict[str, Any]) -> list[StreamEvent]:
        self.done = True
        return [Usage(self.input_tokens, self.output_tokens), Finished(self.stop)]

    def _error(self, error: dict[str, Any]) -> ProviderError:
        kind = _ERROR_KINDS.get(str(error.get("type")), ProviderErrorKind.UNAVAILABLE)
        return ProviderError(
            kind,
            f"{self.provider} sent an error event: {error.get('message')} ({error.get('type')})",
            provider=self.provider,
        )


class AnthropicProvider:
    """The Anthropic Messages API at `base_url` (ending in /v1)."""

    def __init__(
        self,
        name: str,
        base_url: str,
        api_key: str | None = None,
        timeouts: Timeouts | None = None,
        client: httpx.AsyncClient | None = None,
        version: str = ANTHROPIC_VERSION,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts or Timeouts()
        self._headers = {
            "content-type": "application/json",
            "accept": "text/event-stream",
            "anthropic-version": version,
        }
        if api_key:
            self._headers["x-api-key"] = api_key
        self._client = client or http_client(self.timeouts)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Stream a message; raises ProviderError on HTTP, transport or format errors."""
        deadline = asyncio.get_running_loop().time() + self.timeouts.first_byte
        http_request = self._client.build_request(
            "POST",
            f"{self.base_url}/messages",
            content=orjson.dumps(request_payload(request)),
            headers=self._headers,
        )
        async with open_stream(self.name, self._client, http_request, deadline) as response:
            async for event in self._events(response, deadline):
                yield event

    async def _events(
        self, response: httpx.Response, deadline: float
    ) -> AsyncIterator[StreamEvent]:
        assembler = _EventAssembler(self.name)
        events = read_sse(response, deadline)
        async for sse in events:
            for event in assembler.feed(sse.event, parse_json_data(self.name, sse.data)):
                yield event
            if assembler.done:
                await drain(events)  # after Finished: its connection serves the next reply
                return
        raise stream_error(
            self.name, httpx.RemoteProtocolError("the stream ended before message_stop")
        )

    async def aclose(self) -> None:
        """Close the pooled client."""
        await self._client.aclose()
