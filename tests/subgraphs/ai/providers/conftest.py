"""Local LLM servers for the provider tests: started once per module, re-scripted per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.llm_servers import Behaviour, LlmServer


@pytest.fixture(scope="module")
def _llm_servers() -> Iterator[tuple[LlmServer, LlmServer]]:
    servers = (LlmServer().start(), LlmServer().start())
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def llm_server(_llm_servers: tuple[LlmServer, LlmServer]) -> LlmServer:
    """A local OpenAI-compatible and Anthropic server with the default behaviour."""
    server = _llm_servers[0]
    server.script(Behaviour())
    return server


@pytest.fixture
def backup_server(_llm_servers: tuple[LlmServer, LlmServer]) -> LlmServer:
    """A second server, for fallback models."""
    server = _llm_servers[1]
    server.script(Behaviour(text="Backup answer."))
    return server
