"""AI reply streaming benchmark: what Mateway adds to a provider's stream.

A local OpenAI-compatible server (tests/support/llm_servers.py, its own process) streams
word tokens at a fixed rate. The router (identity, @auth, @credits) with core, mates, ai and
the calc test app in-process runs on a real Directus and Valkey, as in the end-to-end tests;
clients subscribe to `aiChat` over graphql-transport-ws in the same process.

Figures printed (no timing asserts; they depend on the machine):
- time to first token: the provider's own (first content chunk, asked directly) and through
  Mateway (subscribe to first TextDeltaEvent), p50/p99, and the difference (goal <= 5 ms p50);
- N concurrent replies: the added delay of each token, its arrival minus when the provider's
  fixed pacing says it left (relative to the stream's first token), p99 (goal <= 25 ms), and
  the RSS of this process (router, apps and clients; the provider server is separate).
N is 200 (MATEWAY_BENCH_AI_STREAMS=1000 for the issue's figure): on this 2-core machine, shared
and with router, apps, clients and Valkey clients in one process, 1,000 (and 400) concurrent
starts exhaust the credits plugin's Redis pool (redis-py's default of 100 connections) and
most are refused with UNAVAILABLE; refused streams are counted, not timed. Starts are
spread over 2 s.
"""

from __future__ import annotations

import asyncio
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from shared.identity import Identity
from tests.shared.conftest import valkey
from tests.subgraphs.ai.reply_support import AI_CHAT, Stack, reply_stack
from tests.subgraphs.core.chats_support import Chats, chats
from tests.support.directus import directus_template, platform_directus, start_empty_directus
from tests.support.ports import free_port, wait_for_port

__all__ = ["chats", "directus_template", "platform_directus", "start_empty_directus", "valkey"]

pytestmark = pytest.mark.benchmark
ROOT = Path(__file__).resolve().parents[3]
RATE = 20.0  # tokens per second per stream
TOKENS = 40
TTFT_ROUNDS = 30
STREAMS = int(os.environ.get("MATEWAY_BENCH_AI_STREAMS", "200"))
SETUP_CONCURRENCY = 10
REPLIES_PER_CHAT = 5
REPLIES_PER_USER = 50
RAMP_SECONDS = 2.0
TEXT = " ".join(f"w{i}" for i in range(TOKENS))
_WORD = re.compile(r"w(\d+)")


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The local LLM server in its own process, pacing tokens at RATE."""
    port = free_port()
    command = [sys.executable, "-m", "tests.support.llm_servers", "--port", str(port)]
    command += ["--tokens-per-second", str(RATE), "--text", TEXT]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=20)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def provider_ttft(url: str) -> float:
    """Milliseconds to the first content chunk, asking the provider directly."""
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient(timeout=30) as http:
        start = time.perf_counter()
        async with http.stream("POST", f"{url}/chat/completions", json=body) as response:
            async for line in response.aiter_lines():
                if '"content":"w' in line:
                    return (time.perf_counter() - start) * 1000
    raise AssertionError("no content from the provider")


async def mateway_stream(
    stack: Stack,
    who: Identity,
    chat_id: str,
    message_id: str,
    delay: float = 0.0,
    first_only: bool = False,
) -> tuple[float, list[tuple[float, int]]]:
    """aiChat over WebSocket: (ms to the first text, [(arrival, last token index)])."""
    await asyncio.sleep(delay)
    arrivals: list[tuple[float, int]] = []
    transport = ASGIWebSocketTransport(stack.router)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://router") as client,
        aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws,
    ):
        token = stack.headers(who)["authorization"]
        await ws.send_json({"type": "connection_init", "payload": {"authorization": token}})
        await ws.receive_json(timeout=60)
        variables = {"input": {"chatId": chat_id, "messageId": message_id}}
        start = time.perf_counter()
        payload = {"query": AI_CHAT, "variables": variables}
        await ws.send_json({"id": "1", "type": "subscribe", "payload": payload})
        for _ in range(TOKENS * 4):
            message = await ws.receive_json(timeout=120)
            if message["type"] != "next" or message["payload"].get("errors"):
                break  # complete, or refused (e.g. UNAVAILABLE when a Redis pool is exhausted)
            event: dict[str, Any] = message["payload"]["data"]["aiChat"]
            if event["__typename"] == "TextDeltaEvent":
                words = _WORD.findall(event["text"])
                arrivals.append((time.perf_counter(), int(words[-1])))
                if first_only:
                    break  # closing the socket cancels the reply
    return ((arrivals[0][0] - start) * 1000 if arrivals else float("nan")), arrivals


def added_delays(arrivals: list[tuple[float, int]]) -> list[float]:
    """Per event: ms later than the provider's pacing (token i leaves at first + i/RATE)."""
    if not arrivals:
        return []
    first_time, first_index = arrivals[0]
    return [
        max(0.0, (at - first_time - (index - first_index) / RATE) * 1000)
        for at, index in arrivals[1:]
    ]


async def prepared_chats(stack: Stack, count: int) -> list[tuple[Identity, str, str]]:
    """`count` replies to prepare (not timed): a user per REPLIES_PER_USER, a chat with one
    message per REPLIES_PER_CHAT (replies to the same message are independent streams)."""
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)
    users = [await stack.funded_user(100_000) for _ in range(-(-count // REPLIES_PER_USER))]

    async def one(index: int) -> tuple[Identity, str, str]:
        async with gate:
            who = users[index * REPLIES_PER_CHAT // REPLIES_PER_USER]
            chat_id, message_id = await stack.send(who, f"Question {index}")
            return who, chat_id, message_id

    chats = await asyncio.gather(*(one(i) for i in range(-(-count // REPLIES_PER_CHAT))))
    return [chats[i // REPLIES_PER_CHAT] for i in range(count)]


def rss_mb() -> float:
    """This process's current RSS in MB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


async def test_bench_ai_stream(chats: Chats, provider: str, tmp_path: Path) -> None:
    async with reply_stack(chats, tmp_path, provider) as stack:
        direct = [await provider_ttft(provider) for _ in range(TTFT_ROUNDS)]
        ready = await prepared_chats(stack, TTFT_ROUNDS)
        await mateway_stream(stack, *ready[0], first_only=True)  # warm-up: plans, pools
        through = [(await mateway_stream(stack, *c, first_only=True))[0] for c in ready]
        print(f"\nTTFT provider direct: p50 {pct(direct, 50):.2f} ms, p99 {pct(direct, 99):.2f} ms")
        print(f"TTFT through Mateway: p50 {pct(through, 50):.2f} ms, p99 {pct(through, 99):.2f} ms")
        added = statistics.median(through) - statistics.median(direct)
        print(f"TTFT added by Mateway: p50 {added:.2f} ms (goal <= 5 ms)")

        setup = time.perf_counter()
        ready = await prepared_chats(stack, STREAMS)
        print(f"{STREAMS} replies prepared in {time.perf_counter() - setup:.1f} s (not timed)")
        rss_before = rss_mb()
        started = time.perf_counter()
        # Starts spread over RAMP_SECONDS: a thousand subscribe frames in one tick would
        # measure the connection storm, not the streams (and exceed Redis pools of 100).
        outcomes = await asyncio.gather(
            *(
                mateway_stream(stack, *chat, delay=i * RAMP_SECONDS / STREAMS)
                for i, chat in enumerate(ready)
            ),
            return_exceptions=True,
        )
        results = [r for r in outcomes if not isinstance(r, BaseException)]
        wall = time.perf_counter() - started
        delays = [d for _, arrivals in results for d in added_delays(arrivals)]
        complete = sum(1 for _, arrivals in results if arrivals and arrivals[-1][1] == TOKENS - 1)
        print(
            f"{STREAMS} concurrent replies ({TOKENS} tokens at {RATE:.0f}/s each): "
            f"{complete} complete, {STREAMS - complete} refused or broken, in {wall:.1f} s; "
            "added delay between chunks "
            f"p50 {pct(delays, 50):.1f} ms, p99 {pct(delays, 99):.1f} ms (goal <= 25 ms); "
            f"RSS {rss_before:.0f} MB before, {rss_mb():.0f} MB after, "
            f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
