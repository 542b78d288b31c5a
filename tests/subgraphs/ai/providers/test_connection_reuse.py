"""A finished stream leaves its connection to the next request, for both wire formats, and
nothing for the cyclic collector; a server that holds the body open after its last event
neither holds the reply nor the connection for long."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import httpx
import pytest

from subgraphs.ai.providers.anthropic import AnthropicProvider
from subgraphs.ai.providers.base import ChatProvider, Finished
from subgraphs.ai.providers.openai_compatible import OpenAICompatibleProvider
from subgraphs.ai.providers.sse import DRAIN_SECONDS
from tests.subgraphs.ai.providers.helpers import ask, collect
from tests.support.collector import collector_off
from tests.support.llm_servers import Behaviour, LlmServer

Make = Callable[[LlmServer], ChatProvider]
PROVIDERS: dict[str, Make] = {
    "openai": lambda server: OpenAICompatibleProvider("local", server.url, "sk-test"),
    "anthropic": lambda server: AnthropicProvider("claude-local", server.url, "sk-ant-test"),
}
each_provider = pytest.mark.parametrize("make", PROVIDERS.values(), ids=PROVIDERS.keys())


@each_provider
async def test_consecutive_streams_reuse_their_connections(
    llm_server: LlmServer, make: Make
) -> None:
    provider = make(llm_server)
    try:
        for _ in range(6):
            result = await collect(provider.stream(ask()))
            assert result.error is None and isinstance(result.events[-1], Finished)
    finally:
        await provider.aclose()
    # One connection serves all six (closed early, each would have been a new connection).
    ports = [request.client_port for request in llm_server.requests]
    assert len(set(ports)) == 1, ports


@each_provider
async def test_finished_streams_leave_nothing_for_the_cyclic_collector(
    llm_server: LlmServer, make: Make
) -> None:
    # httpx's response and its stream refer to each other: each reply's request, response
    # and pool request (about 45 objects) would wait for a collector pass, which stops every
    # stream of the process while it runs.
    provider = make(llm_server)
    try:
        with collector_off():
            for _ in range(10):
                result = await collect(provider.stream(ask()))
                assert isinstance(result.events[-1], Finished)
            assert not [thing for thing in gc.get_objects() if isinstance(thing, httpx.Response)]
    finally:
        await provider.aclose()


@each_provider
async def test_a_body_held_open_after_the_end_is_given_up_after_the_drain_time(
    llm_server: LlmServer, make: Make
) -> None:
    llm_server.script(Behaviour(linger_after_end=30.0))
    provider = make(llm_server)
    try:
        started = time.monotonic()
        stream = provider.stream(ask())
        events = []
        async for event in stream:
            events.append(event)
            if isinstance(event, Finished):
                finished_after = time.monotonic() - started
        ended_after = time.monotonic() - started
        result = await collect(provider.stream(ask()))  # the next one still answers
    finally:
        await provider.aclose()
    assert isinstance(events[-1], Finished) and result.error is None
    assert finished_after < DRAIN_SECONDS  # Finished is not held back by the open body
    assert DRAIN_SECONDS <= ended_after < DRAIN_SECONDS + 5  # not the server's 30 s
    first, second = llm_server.requests
    assert first.client_port != second.client_port  # the held connection was closed
