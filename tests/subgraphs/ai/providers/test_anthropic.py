"""The Anthropic provider against a local server speaking Messages API event streams."""

from __future__ import annotations

from subgraphs.ai.providers.anthropic import ANTHROPIC_VERSION, AnthropicProvider
from subgraphs.ai.providers.base import (
    ChatMessage,
    ChatRequest,
    Finished,
    ProviderErrorKind,
    ToolCall,
    ToolCallArgumentsDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolSpec,
    Usage,
)
from tests.subgraphs.ai.providers.helpers import ask, collect
from tests.support.llm_servers import Behaviour, LlmServer, ScriptedToolCall

SEARCH = ToolSpec(
    "search", "Search the web", {"type": "object", "properties": {"q": {"type": "string"}}}
)


def provider(server: LlmServer) -> AnthropicProvider:
    return AnthropicProvider("claude-local", server.url, "sk-ant-test")


async def test_text_stream_is_assembled_with_usage_and_finish(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(text="Bonjour tout le monde", input_tokens=9))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.error is None
    assert result.text == "Bonjour tout le monde"
    assert result.events[-2:] == [Usage(9, 4), Finished("stop")]


async def test_request_has_headers_system_tools_and_tool_results(llm_server: LlmServer) -> None:
    history = (
        ChatMessage("system", "Be brief."),
        ChatMessage("user", "Find cats"),
        ChatMessage(
            "assistant", "Searching.", tool_calls=(ToolCall("toolu_1", "search", {"q": "cats"}),)
        ),
        ChatMessage("tool", "3 results", tool_call_id="toolu_1", name="search"),
        ChatMessage("user", "Thanks"),
    )
    await collect(provider(llm_server).stream(ChatRequest("claude-x", history, (SEARCH,), 99)))
    sent = llm_server.requests[-1]
    assert sent.headers["x-api-key"] == "sk-ant-test"
    assert sent.headers["anthropic-version"] == ANTHROPIC_VERSION
    assert sent.body["system"] == "Be brief." and sent.body["stream"] is True
    assert sent.body["tools"] == [
        {"name": "search", "description": "Search the web", "input_schema": SEARCH.parameters}
    ]
    assert sent.body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Find cats"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Searching."},
                {"type": "tool_use", "id": "toolu_1", "name": "search", "input": {"q": "cats"}},
            ],
        },
        # The tool result and the next user turn are merged: roles must alternate.
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "3 results"},
                {"type": "text", "text": "Thanks"},
            ],
        },
    ]


async def test_tool_use_blocks_are_assembled_into_arguments(llm_server: LlmServer) -> None:
    call = ScriptedToolCall("toolu_9", "search", {"q": "circuit breakers", "limit": 3})
    llm_server.script(Behaviour(text="Let me look.", tool_calls=[call]))
    result = await collect(provider(llm_server).stream(ask(tools=(SEARCH,))))
    assert result.error is None and result.text == "Let me look."
    assert ToolCallStarted("toolu_9", "search") in result.events
    fragments = [e.delta for e in result.events if isinstance(e, ToolCallArgumentsDelta)]
    assert len(fragments) > 1
    assert (
        ToolCallFinished("toolu_9", "search", {"q": "circuit breakers", "limit": 3})
        in result.events
    )
    assert result.events[-1] == Finished("tool_calls")


async def test_overloaded_error_event_mid_stream_follows_the_partial_text(
    llm_server: LlmServer,
) -> None:
    llm_server.script(Behaviour(text="a b c d", error_event_after=2))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.text == "a b"
    assert result.error is not None and result.error.kind is ProviderErrorKind.UNAVAILABLE
    assert "overloaded_error" in result.error.message


async def test_overloaded_status_529_is_unavailable_with_retry_after(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(fail_times=1, fail_status=529, retry_after="2"))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.error is not None and result.error.kind is ProviderErrorKind.UNAVAILABLE
    assert (
        result.error.retry_after == 2.0 and "Overloaded (overloaded_error)" in result.error.message
    )


async def test_rate_limit_status_is_rate_limited(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(fail_times=1, fail_status=429))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.error is not None and result.error.kind is ProviderErrorKind.RATE_LIMITED


async def test_malformed_event_is_a_malformed_error(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(text="x y z", malformed_after=1))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.text == "x"
    assert result.error is not None and result.error.kind is ProviderErrorKind.MALFORMED


async def test_stream_cut_mid_way_raises_after_the_partial_text(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(text="x y z", cut_after=2))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.text == "x y"
    assert result.error is not None and result.error.kind is ProviderErrorKind.UNAVAILABLE
