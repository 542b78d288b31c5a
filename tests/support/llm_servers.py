"""Local LLM servers speaking the real wire formats, with scriptable behaviours.

One Starlette app serves both APIs: OpenAI-compatible `POST /v1/chat/completions` (SSE
`data: {json}` chunks, a usage chunk with empty choices, `data: [DONE]`) and Anthropic
`POST /v1/messages` (`event:`/`data:` pairs). A `Behaviour` scripts the next answers:
the text and tool calls, a token rate, failing N times with a status (and Retry-After),
a malformed chunk, a cut connection, an Anthropic error event. Requests are recorded.

Run one for benchmarks: `python -m tests.support.llm_servers --port 8089 --tokens-per-second 50`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.servers import UvicornThread


@dataclass(frozen=True)
class ScriptedToolCall:
    """A tool call the fake model makes; its JSON arguments are streamed in fragments."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass
class Behaviour:
    """What the server answers next."""

    text: str = "Hello from the local model."
    tool_calls: list[ScriptedToolCall] = field(default_factory=list)
    tokens_per_second: float | None = None  # None: as fast as possible
    input_tokens: int = 11
    fail_times: int = 0  # answer the first N requests with `fail_status`
    fail_status: int = 500
    retry_after: str | None = None  # Retry-After header on failures
    first_byte_delay: float = 0.0  # seconds before the response headers
    malformed_after: int | None = None  # send a non-JSON chunk after N text tokens
    cut_after: int | None = None  # drop the connection after N text tokens
    error_event_after: int | None = None  # Anthropic: an overloaded error event after N tokens
    api_key: str | None = None  # when set, other keys get 401
    flag_words: tuple[str, ...] = ("violence",)  # moderation categories, matched as words
    # Benchmarks: each text token ends in "@<time.monotonic_ns()>" when it is sent, so a
    # client on this machine can tell how long the token took to reach it.
    stamp: bool = False
    linger_after_end: float = 0.0  # seconds the body stays open after its last event


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    client_port: int  # the same port for two requests: the client reused its connection


class _CutStream(Exception):
    """Raised inside a streaming body so uvicorn drops the connection mid-response."""


def tokens(text: str) -> list[str]:
    """The text split into word-sized tokens that join back to it."""
    return re.findall(r"\s*\S+\s*?(?=\s|$)|\s+$", text) or ([text] if text else [])


def _fragments(arguments: dict[str, Any], size: int = 7) -> list[str]:
    text = json.dumps(arguments)
    return [text[i : i + size] for i in range(0, len(text), size)]


def _sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"{head}data: {payload}\n\n".encode()


_OPENAI_ERRORS = {
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}
_ANTHROPIC_ERRORS = {
    401: ("authentication_error", "invalid x-api-key"),
    429: ("rate_limit_error", "Number of request tokens has exceeded your rate limit."),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}


class LlmServer:
    """The app on uvicorn in a thread; `behaviour` and `requests` are for the test."""

    def __init__(self) -> None:
        self.behaviour = Behaviour()
        self.requests: list[RecordedRequest] = []
        self.failures_served = 0
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._openai, methods=["POST"]),
                Route("/v1/messages", self._anthropic, methods=["POST"]),
                Route("/v1/moderations", self._moderations, methods=["POST"]),
            ]
        )
        self._thread: UvicornThread | None = None

    def script(self, behaviour: Behaviour) -> None:
        """Answer the next requests per `behaviour`; forgets recorded requests and failures."""
        self.behaviour = behaviour
        self.requests.clear()
        self.failures_served = 0

    @property
    def url(self) -> str:
        """The API base URL (ends in /v1)."""
        assert self._thread is not None, "start the server first"
        return f"{self._thread.url}/v1"

    def start(self, port: int | None = None) -> LlmServer:
        """Serve on a free loopback port (or `port`)."""
        self._thread = UvicornThread(self.app, port).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    async def _admit(self, request: Request, api: str) -> Response | None:
        body = await request.json()
        port = request.client.port if request.client else 0
        self.requests.append(RecordedRequest(request.url.path, dict(request.headers), body, port))
        behaviour = self.behaviour
        if behaviour.first_byte_delay:
            await asyncio.sleep(behaviour.first_byte_delay)
        key = request.headers.get("x-api-key") or request.headers.get("authorization", "")
        if behaviour.api_key and key.removeprefix("Bearer ") != behaviour.api_key:
            return self._error(api, 401)
        if self.failures_served < behaviour.fail_times:
            self.failures_served += 1
            return self._error(api, behaviour.fail_status)
        return None

    def _error(self, api: str, status: int) -> Response:
        headers = {"retry-after": self.behaviour.retry_after} if self.behaviour.retry_after else {}
        if api == "openai":
            kind, code, message = _OPENAI_ERRORS.get(status, ("server_error", None, "Error"))
            body: dict[str, Any] = {
                "error": {"message": message, "type": kind, "param": None, "code": code}
            }
        else:
            kind, message = _ANTHROPIC_ERRORS.get(status, ("api_error", "Error"))
            body = {"type": "error", "error": {"type": kind, "message": message}}
        return JSONResponse(body, status_code=status, headers=headers)

    async def _paced(self, pieces: list[str]) -> AsyncIterator[tuple[int, str]]:
        """Text tokens at the scripted rate, with their position."""
        rate = self.behaviour.tokens_per_second
        start = time.monotonic()
        for index, piece in enumerate(pieces):
            if rate:
                # Pace against the start so the average rate holds despite scheduling jitter.
                await asyncio.sleep(max(start + index / rate - time.monotonic(), 0.0))
            yield index, f"{piece}@{time.monotonic_ns()}" if self.behaviour.stamp else piece

    def _disrupt(self, index: int) -> bytes | None:
        behaviour = self.behaviour
        if behaviour.cut_after is not None and index >= behaviour.cut_after:
            raise _CutStream("scripted cut mid-stream")
        if behaviour.malformed_after is not None and index >= behaviour.malformed_after:
            return b'data: {"choices": [{"delta": {"content": "oops"\n\n'
        return None

    async def _openai(self, request: Request) -> Response:
        refused = await self._admit(request, "openai")
        if refused is not None:
            return refused
        model = str(self.requests[-1].body.get("model"))
        return StreamingResponse(self._openai_body(model), media_type="text/event-stream")

    async def _openai_body(self, model: str) -> AsyncIterator[bytes]:
        base = {
            "id": "chatcmpl-local",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_local",
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return _sse({**base, "choices": [choice], "usage": None})

        yield chunk({"role": "assistant", "content": "", "refusal": None})
        pieces = tokens(self.behaviour.text)
        async for index, piece in self._paced(pieces):
            bad = self._disrupt(index)
            if bad is not None:
                yield bad
                return
            yield chunk({"content": piece})
        output = len(pieces)
        for number, call in enumerate(self.behaviour.tool_calls):
            yield chunk(
                {
                    "tool_calls": [
                        {
                            "index": number,
                            "id": call.id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": ""},
                        }
                    ]
                }
            )
            for fragment in _fragments(call.arguments):
                output += 1
                yield chunk(
                    {"tool_calls": [{"index": number, "function": {"arguments": fragment}}]}
                )
        yield chunk({}, "tool_calls" if self.behaviour.tool_calls else "stop")
        usage = {
            "prompt_tokens": self.behaviour.input_tokens,
            "completion_tokens": output,
            "total_tokens": self.behaviour.input_tokens + output,
        }
        yield _sse({**base, "choices": [], "usage": usage})
        yield b"data: [DONE]\n\n"
        await asyncio.sleep(self.behaviour.linger_after_end)

    async def _moderations(self, request: Request) -> Response:
        """OpenAI moderations: flags inputs containing any of `behaviour.flag_words`."""
        refused = await self._admit(request, "openai")
        if refused is not None:
            return refused
        text = str(self.requests[-1].body.get("input", "")).lower()
        hits = {word: word in text for word in self.behaviour.flag_words}
        result = {
            "flagged": any(hits.values()),
            "categories": hits,
            "category_scores": {w: float(hit) for w, hit in hits.items()},
        }
        return JSONResponse(
            {"id": "modr-local", "model": "omni-moderation-latest", "results": [result]}
        )

    async def _anthropic(self, request: Request) -> Response:
        refused = await self._admit(request, "anthropic")
        if refused is not None:
            return refused
        model = str(self.requests[-1].body.get("model"))
        return StreamingResponse(self._anthropic_body(model), media_type="text/event-stream")

    async def _anthropic_body(self, model: str) -> AsyncIterator[bytes]:
        behaviour = self.behaviour
        message: dict[str, Any] = {
            "id": "msg_local",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": model,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": behaviour.input_tokens, "output_tokens": 1},
        }
        yield _sse({"type": "message_start", "message": message}, "message_start")
        yield _sse(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            "content_block_start",
        )
        yield _sse({"type": "ping"}, "ping")
        pieces = tokens(behaviour.text)
        async for index, piece in self._paced(pieces):
            if behaviour.error_event_after is not None and index >= behaviour.error_event_after:
                error = {"type": "overloaded_error", "message": "Overloaded"}
                yield _sse({"type": "error", "error": error}, "error")
                return
            bad = self._disrupt(index)
            if bad is not None:
                yield b"event: content_block_delta\n" + bad
                return
            delta = {"type": "text_delta", "text": piece}
            yield _sse(
                {"type": "content_block_delta", "index": 0, "delta": delta}, "content_block_delta"
            )
        yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        output = len(pieces)
        for number, call in enumerate(behaviour.tool_calls, start=1):
            block = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
            yield _sse(
                {"type": "content_block_start", "index": number, "content_block": block},
                "content_block_start",
            )
            for fragment in _fragments(call.arguments):
                output += 1
                delta = {"type": "input_json_delta", "partial_json": fragment}
                yield _sse(
                    {"type": "content_block_delta", "index": number, "delta": delta},
                    "content_block_delta",
                )
            yield _sse({"type": "content_block_stop", "index": number}, "content_block_stop")
        stop = "tool_use" if behaviour.tool_calls else "end_turn"
        yield _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": output},
            },
            "message_delta",
        )
        yield _sse({"type": "message_stop"}, "message_stop")
        await asyncio.sleep(behaviour.linger_after_end)


def main() -> None:
    """Serve until interrupted (for benchmarks and manual runs)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--tokens-per-second", type=float, default=None)
    parser.add_argument("--text", default=" ".join(["token"] * 200))
    parser.add_argument("--stamp", action="store_true", help="end tokens in @<monotonic ns>")
    args = parser.parse_args()
    server = LlmServer()
    behaviour = Behaviour(args.text, tokens_per_second=args.tokens_per_second, stamp=args.stamp)
    server.script(behaviour)
    server.start(args.port)
    print(f"LLM server on {server.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
