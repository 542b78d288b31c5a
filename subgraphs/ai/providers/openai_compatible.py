"""OpenAI Chat Completions streaming, the wire format OpenAI, Mistral, Groq, Ollama, vLLM and
llama.cpp all speak: `data: {chunk}` SSE events ending with `data: [DONE]`."""

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
    ModerationResult,
    ProviderError,
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
    raise_for_status,
    stream_error,
)

_FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


def message_payload(message: ChatMessage) -> dict[str, Any]:
    """One message in Chat Completions form (tool calls and tool results included)."""
    payload: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        payload["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": orjson.dumps(call.arguments).decode()},
            }
            for call in message.tool_calls
        ]
    if message.role == "tool":
        payload["tool_call_id"] = message.tool_call_id
    return payload


def request_payload(request: ChatRequest) -> dict[str, Any]:
    """The JSON body of a streaming Chat Completions request."""
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [message_payload(m) for m in request.messages],
        "max_tokens": request.max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters,
                },
            }
            for tool in request.tools
        ]
    return body


@dataclass
class _PendingCall:
    id: str
    name: str
    arguments: list[str] = field(default_factory=list)


@dataclass
class _ChunkAssembler:
    """Turns chunks into events; tool calls are keyed by `index`, as OpenAI streams them."""

    provider: str
    calls: dict[int, _PendingCall] = field(default_factory=dict)
    finish: FinishReason | None = None

    def feed(self, chunk: dict[str, Any]) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            events.append(
                Usage(
                    int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
                )
            )
        choices = chunk.get("choices")
        if not isinstance(choices, list):
            if "error" in chunk:  # some servers (vLLM, OpenRouter) report errors mid-stream
                raise malformed(self.provider, f"an error mid-stream: {chunk['error']}")
            raise malformed(self.provider, f"a chunk without choices: {str(chunk)[:200]}")
        for choice in choices[:1]:
            events.extend(self._choice(choice))
        return events

    def _choice(self, choice: Any) -> list[StreamEvent]:
        if not isinstance(choice, dict):
            raise malformed(self.provider, f"a choice that is not an object: {choice!r}")
        events: list[StreamEvent] = []
        delta = choice.get("delta") or {}
        content = delta.get("content")
        if isinstance(content, str) and content:
            events.append(TextDelta(content))
        for call in delta.get("tool_calls") or []:
            events.extend(self._tool_delta(call))
        reason = choice.get("finish_reason")
        if isinstance(reason, str):
            self.finish = _FINISH_REASONS.get(reason, "other")
        return events

    def _tool_delta(self, call: Any) -> list[StreamEvent]:
        if not isinstance(call, dict) or not isinstance(call.get("index", 0), int):
            raise malformed(self.provider, f"a tool call delta without an index: {call!r}")
        index = call.get("index", 0)
        function = call.get("function") or {}
        events: list[StreamEvent] = []
        pending = self.calls.get(index)
        if pending is None:
            if not call.get("id") or not function.get("name"):
                raise malformed(self.provider, f"a tool call without id or name: {call!r}")
            pending = self.calls[index] = _PendingCall(call["id"], function["name"])
            events.append(ToolCallStarted(pending.id, pending.name))
        fragment = function.get("arguments")
        if isinstance(fragment, str) and fragment:
            pending.arguments.append(fragment)
            events.append(ToolCallArgumentsDelta(pending.id, fragment))
        return events

    def finish_events(self) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        for index in sorted(self.calls):
            call = self.calls[index]
            arguments = parse_arguments(self.provider, call.name, "".join(call.arguments))
            events.append(ToolCallFinished(call.id, call.name, arguments))
        reason = self.finish or ("tool_calls" if self.calls else "stop")
        events.append(Finished(reason))
        return events


class OpenAICompatibleProvider:
    """A Chat Completions API at `base_url` (ending in /v1), with an optional bearer key."""

    def __init__(
        self,
        name: str,
        base_url: str,
        api_key: str | None = None,
        timeouts: Timeouts | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts or Timeouts()
        self._headers = {"content-type": "application/json", "accept": "text/event-stream"}
        if api_key:
            self._headers["authorization"] = f"Bearer {api_key}"
        self._client = client or http_client(self.timeouts)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Stream a completion; raises ProviderError on HTTP, transport or format errors."""
        deadline = asyncio.get_running_loop().time() + self.timeouts.first_byte
        body = orjson.dumps(request_payload(request))
        http_request = self._client.build_request(
            "POST", f"{self.base_url}/chat/completions", content=body, headers=self._headers
        )
        async with open_stream(self.name, self._client, http_request, deadline) as response:
            async for event in self._events(response, deadline):
                yield event

    async def _events(
        self, response: httpx.Response, deadline: float
    ) -> AsyncIterator[StreamEvent]:
        assembler = _ChunkAssembler(self.name)
        events = read_sse(response, deadline)
        async for sse in events:
            if sse.data.strip() == "[DONE]":
                for event in assembler.finish_events():
                    yield event
                await drain(events)  # after Finished: its connection serves the next reply
                return
            for event in assembler.feed(parse_json_data(self.name, sse.data)):
                yield event
        raise stream_error(
            self.name, httpx.RemoteProtocolError("the stream ended without data: [DONE]")
        )

    async def moderate(self, text: str) -> ModerationResult:
        """Classify text with the OpenAI moderations endpoint."""
        try:
            response = await self._client.post(
                f"{self.base_url}/moderations",
                content=orjson.dumps({"input": text}),
                headers=self._headers,
            )
        except httpx.HTTPError as exc:
            raise stream_error(self.name, exc) from exc
        await raise_for_status(self.name, response)
        try:
            result = response.json()["results"][0]
            categories = tuple(sorted(k for k, v in result.get("categories", {}).items() if v))
            return ModerationResult(bool(result["flagged"]), categories)
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise malformed(self.name, f"a moderation answer: {response.text[:200]!r}") from None

    async def aclose(self) -> None:
        """Close the pooled client."""
        await self._client.aclose()


__all__ = ["OpenAICompatibleProvider", "ProviderError", "request_payload"]
