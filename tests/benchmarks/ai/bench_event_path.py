"""CPU cost per delivered event of a streamed AI reply, through the whole in-process path.

Local OpenAI-compatible servers (their own processes) stream RATE tokens a second per reply,
and the ai app's coalescing window is 0, so every provider chunk becomes one event (unless
the path falls behind: tokens/event above 1 says so): provider SSE parsing -> model router ->
pump -> Reply -> Strawberry subscription, run by the router on the app's schema directly
(router/subscriptions/direct.py) -> the router's executor and plugins ->
graphql-transport-ws -> a bare in-process client. CPU time is this process's (router, apps
and client; not the provider servers), over the streaming only.

Figures printed (no timing asserts; they depend on the machine):
- provider stage alone: STREAMS concurrent streams read straight through
  OpenAICompatibleProvider, CPU µs per chunk;
- whole path, STREAMS concurrent replies of LONG and of SHORT tokens: events, events/s, CPU
  µs per event with each reply's own costs (subscribe, store, settle) spread over its events;
- from the two lengths: CPU µs per event alone (and the events/s one core could carry) and
  ms per reply.
STREAMS is MATEWAY_BENCH_EVENT_STREAMS (40), RATE MATEWAY_BENCH_EVENT_RATE (40).
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from router.subscriptions.sockets import AsgiConnector
from shared.identity import Identity
from subgraphs.ai.providers.base import ChatMessage, ChatRequest, TextDelta
from subgraphs.ai.providers.openai_compatible import OpenAICompatibleProvider
from tests.shared.conftest import valkey
from tests.subgraphs.ai.reply_support import AI_CHAT, Stack, reply_stack
from tests.subgraphs.core.chats_support import Chats, chats
from tests.support.directus import directus_template, platform_directus, start_empty_directus
from tests.support.ports import free_port, wait_for_port

__all__ = ["chats", "directus_template", "platform_directus", "start_empty_directus", "valkey"]

pytestmark = pytest.mark.benchmark
ROOT = Path(__file__).resolve().parents[3]
LONG, SHORT = 200, 20  # tokens per reply: two lengths part the per-event and per-reply costs
ROUNDS = 3  # the least CPU of these is kept (the machine is shared)
STREAMS = int(os.environ.get("MATEWAY_BENCH_EVENT_STREAMS", "40"))
# Paced per stream so the pump finds each chunk alone (unpaced, one socket read holds many
# chunks and they merge); STREAMS * RATE events/s are offered, below what the path can take.
RATE = float(os.environ.get("MATEWAY_BENCH_EVENT_RATE", "40"))


@pytest.fixture(scope="module")
def providers() -> Iterator[dict[int, str]]:
    """A local LLM server per reply length, each in its own process, at RATE tokens/s."""
    processes, urls = [], {}
    try:
        for tokens in (LONG, SHORT):
            port = free_port()
            command = [sys.executable, "-m", "tests.support.llm_servers", "--port", str(port)]
            text = " ".join(f"w{i}" for i in range(tokens))
            command += ["--tokens-per-second", str(RATE), "--text", text]
            processes.append(subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL))
            wait_for_port(port, timeout=20)
            urls[tokens] = f"http://127.0.0.1:{port}/v1"
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


class Meter:
    """CPU and wall time of this process over a block, and the part spent in the cyclic GC."""

    def __enter__(self) -> Meter:
        self.gc, self._gc_started = 0.0, 0.0
        gc.callbacks.append(self._on_gc)
        self.cpu, self.wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.cpu = time.process_time() - self.cpu
        self.wall = time.perf_counter() - self.wall
        gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.process_time()
        else:
            self.gc += time.process_time() - self._gc_started


async def provider_only(provider: OpenAICompatibleProvider) -> int:
    """Text chunks of one reply read straight through the provider client."""
    request = ChatRequest(model="m", messages=(ChatMessage(role="user", content="hi"),))
    chunks = 0
    async for event in provider.stream(request):
        chunks += isinstance(event, TextDelta)
    return chunks


async def reply_events(stack: Stack, who: Identity, chat_id: str, message_id: str) -> list[int]:
    """aiChat over graphql-transport-ws: the number of words in each text event.

    The client is a bare in-process ASGI WebSocket (the router's own AsgiSocket), so the
    figures are the server's: httpx-ws's client would add its WebSocket framing per event.
    """
    counts: list[int] = []
    socket = await AsgiConnector(stack.router)({})
    try:
        token = stack.headers(who)["authorization"]
        await socket.send(_json({"type": "connection_init", "payload": {"authorization": token}}))
        assert orjson.loads(await socket.receive())["type"] == "connection_ack"
        variables = {"input": {"chatId": chat_id, "messageId": message_id}}
        payload = {"query": AI_CHAT, "variables": variables}
        await socket.send(_json({"id": "1", "type": "subscribe", "payload": payload}))
        for _ in range(10_000):
            message = orjson.loads(await socket.receive())
            if message["type"] != "next":
                break
            assert not message["payload"].get("errors"), message["payload"]
            event: dict[str, Any] = message["payload"]["data"]["aiChat"]
            if event["__typename"] == "TextDeltaEvent":
                counts.append(len(event["text"].split()))
    finally:
        await socket.close()
    return counts


def _json(message: dict[str, Any]) -> str:
    return orjson.dumps(message).decode()


async def prepared(stack: Stack, count: int) -> list[tuple[Identity, str, str]]:
    """`count` replies to stream, one chat each (not timed)."""
    who = await stack.funded_user(10_000_000)
    return [(who, *await stack.send(who, f"Question {i}")) for i in range(count)]


@dataclass
class Run:
    """One round of STREAMS concurrent replies: CPU and wall seconds, events and tokens."""

    cpu: float
    wall: float
    gc: float
    events: int
    tokens: int


async def replies(stack: Stack, tokens: int) -> Run:
    """The least-CPU of ROUNDS rounds of STREAMS concurrent replies of `tokens` tokens."""
    ready = await prepared(stack, STREAMS * ROUNDS + 1)
    await reply_events(stack, *ready.pop())  # warm-up: plans, pools, sockets
    runs = []
    for round_ in range(ROUNDS):
        chats = ready[round_ * STREAMS : (round_ + 1) * STREAMS]
        with Meter() as meter:
            results = await asyncio.gather(*(reply_events(stack, *chat) for chat in chats))
        words = sum(sum(counts) for counts in results)
        assert words == STREAMS * tokens, f"{words} of {STREAMS * tokens} tokens arrived"
        events = sum(len(counts) for counts in results)
        runs.append(Run(meter.cpu, meter.wall, meter.gc, events, words))
    return min(runs, key=lambda run: run.cpu)


async def test_bench_event_path(chats: Chats, providers: dict[int, str], tmp_path: Path) -> None:
    provider = OpenAICompatibleProvider("local", providers[LONG])  # one pool, as the app has
    try:
        await provider_only(provider)  # warm-up
        with Meter() as alone:
            chunks = sum(await asyncio.gather(*(provider_only(provider) for _ in range(STREAMS))))
    finally:
        await provider.aclose()
    per_chunk = alone.cpu / chunks * 1e6
    print(
        f"\nprovider stage alone: {STREAMS} streams, {chunks} chunks in {alone.wall:.2f} s, "
        f"CPU {per_chunk:.1f} µs/chunk"
    )
    found = {}
    for tokens in (LONG, SHORT):
        (tmp_path / str(tokens)).mkdir()
        async with reply_stack(chats, tmp_path / str(tokens), providers[tokens]) as stack:
            # Every chunk the pump finds alone is its own event (no coalescing window).
            stack.runtime.settings.delta_window_ms = 0
            found[tokens] = run = await replies(stack, tokens)
        print(
            f"whole path: {STREAMS} replies of {tokens} tokens, {run.events} text events "
            f"({run.tokens / run.events:.2f} tokens/event) in {run.wall:.2f} s "
            f"({run.events / run.wall:.0f} events/s): CPU {run.cpu / run.events * 1e6:.0f} "
            f"µs/event, reply costs included (cyclic GC {run.gc / run.events * 1e6:.0f})"
        )
    long, short = found[LONG], found[SHORT]
    # CPU = replies * per_reply + events * per_event, solved from the two lengths.
    per_event = (long.cpu - short.cpu) / (long.events - short.events)
    per_reply = (short.cpu - per_event * short.events) / STREAMS
    print(
        f"per event: CPU {per_event * 1e6:.0f} µs (~{1 / per_event:.0f} events/s per core), "
        f"of which the provider stage ~{per_chunk:.0f} µs; "
        f"per reply (subscribe, store, settle): CPU {per_reply * 1e3:.1f} ms"
    )
