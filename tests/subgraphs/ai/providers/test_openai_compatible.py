"""The OpenAI-compatible provider against a local server speaking Chat Completions SSE."""

from __future__ import annotations

import time

import pytest

from subgraphs.ai.providers.base import (
    ChatMessage,
    ChatRequest,
    Finished,
    ModerationResult,
    ProviderErrorKind,
    ToolCall,
    ToolCallArgumentsDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolSpec,
    Usage,
)
from subgraphs.ai.providers.openai_compatible import OpenAICompatibleProvider
from subgraphs.ai.providers.transport import Timeouts
from tests.subgraphs.ai.providers.helpers import ask, collect
from tests.support.llm_servers import Behaviour, LlmServer, ScriptedToolCall

WEATHER = ToolSpec(
    "weather",
    "Current weather in a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def provider(server: LlmServer, **kwargs: object) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider("local", server.url, "sk-test", **kwargs)  # type: ignore[arg-type]


async def test_text_stream_is_assembled_with_usage_and_finish(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(text="Hello there, friend.", input_tokens=7))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.error is None
    assert result.text == "Hello there, friend."
    assert result.events[-2:] == [Usage(7, 3), Finished("stop")]


async def test_request_carries_stream_options_tools_messages_and_key(llm_server: LlmServer) -> None:
    history = (
        ChatMessage("user", "Weather in Paris?"),
        ChatMessage(
            "assistant", "", tool_calls=(ToolCall("call_1", "weather", {"city": "Paris"}),)
        ),
        ChatMessage("tool", '{"temp": 21}', tool_call_id="call_1", name="weather"),
    )
    request = ChatRequest("gpt-local", history, (WEATHER,), max_tokens=50, temperature=0.2)
    await collect(provider(llm_server).stream(request))
    sent = llm_server.requests[-1]
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.body["stream"] is True
    assert sent.body["stream_options"] == {"include_usage": True}
    assert sent.body["max_tokens"] == 50 and sent.body["temperature"] == 0.2
    assert sent.body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "weather",
                "description": WEATHER.description,
                "parameters": WEATHER.parameters,
            },
        }
    ]
    assert sent.body["messages"][1]["tool_calls"][0]["function"] == {
        "name": "weather",
        "arguments": '{"city":"Paris"}',
    }
    assert sent.body["messages"][2] == {
        "role": "tool",
        "content": '{"temp": 21}',
        "tool_call_id": "call_1",
    }


async def test_tool_call_deltas_are_assembled_into_arguments(llm_server: LlmServer) -> None:
    calls = [
        ScriptedToolCall("call_a", "weather", {"city": "Paris", "units": "metric"}),
        ScriptedToolCall("call_b", "weather", {"city": "Lyon"}),
    ]
    llm_server.script(Behaviour(text="", tool_calls=calls))
    result = await collect(provider(llm_server).stream(ask(tools=(WEATHER,))))
    assert result.error is None
    started = [e for e in result.events if isinstance(e, ToolCallStarted)]
    assert started == [ToolCallStarted("call_a", "weather"), ToolCallStarted("call_b", "weather")]
    fragments = [
        e.delta for e in result.events if isinstance(e, ToolCallArgumentsDelta) and e.id == "call_a"
    ]
    assert len(fragments) > 1 and "".join(fragments) == '{"city": "Paris", "units": "metric"}'
    finished = [e for e in result.events if isinstance(e, ToolCallFinished)]
    assert finished == [
        ToolCallFinished("call_a", "weather", {"city": "Paris", "units": "metric"}),
        ToolCallFinished("call_b", "weather", {"city": "Lyon"}),
    ]
    assert result.events[-1] == Finished("tool_calls")


async def test_rate_limit_answer_is_typed_with_retry_after(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(fail_times=1, fail_status=429, retry_after="7"))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.error is not None
    assert result.error.kind is ProviderErrorKind.RATE_LIMITED
    assert result.error.retry_after == 7.0 and result.error.status == 429
    assert "Rate limit reached" in result.error.message


async def test_wrong_key_is_an_auth_error(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(api_key="sk-other"))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.error is not None and result.error.kind is ProviderErrorKind.AUTH
    assert "Incorrect API key" in result.error.message


async def test_malformed_chunk_is_a_malformed_error_after_the_text(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(text="one two three four", malformed_after=2))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.text == "one two"
    assert result.error is not None and result.error.kind is ProviderErrorKind.MALFORMED
    assert "not JSON" in result.error.message


async def test_stream_cut_mid_way_raises_after_the_partial_text(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(text="one two three four", cut_after=3))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.text == "one two three"
    assert result.error is not None and result.error.kind is ProviderErrorKind.UNAVAILABLE
    assert "mid-way" in result.error.message


async def test_slow_first_byte_times_out(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(first_byte_delay=0.5))
    slow = provider(llm_server, timeouts=Timeouts(connect=1, first_byte=0.1, between_chunks=1))
    result = await collect(slow.stream(ask()))
    assert result.error is not None and result.error.kind is ProviderErrorKind.UNAVAILABLE
    assert "timed out" in result.error.message


async def test_gap_between_chunks_times_out(llm_server: LlmServer) -> None:
    llm_server.script(Behaviour(text="a b c", tokens_per_second=2))
    slow = provider(llm_server, timeouts=Timeouts(connect=1, first_byte=1, between_chunks=0.2))
    result = await collect(slow.stream(ask()))
    assert result.text == "a"
    assert result.error is not None and "timed out" in result.error.message


async def test_tokens_arrive_at_the_scripted_rate(llm_server: LlmServer) -> None:

    llm_server.script(Behaviour(text=" ".join(["t"] * 11), tokens_per_second=50))
    start = time.monotonic()
    result = await collect(provider(llm_server).stream(ask()))
    elapsed = time.monotonic() - start
    assert result.error is None
    assert 0.18 <= elapsed < 2.0  # 10 gaps at 50 tokens/s; generous on a busy machine


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors_are_unavailable(llm_server: LlmServer, status: int) -> None:
    llm_server.script(Behaviour(fail_times=1, fail_status=status))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.error is not None and result.error.kind is ProviderErrorKind.UNAVAILABLE
    assert result.error.status == status


async def test_moderation_flags_and_names_categories(llm_server: LlmServer) -> None:
    local = provider(llm_server)
    flagged = await local.moderate("a story full of violence")
    assert flagged == ModerationResult(True, ("violence",))
    assert await local.moderate("a story about kittens") == ModerationResult(False, ())
    assert llm_server.requests[-1].body == {"input": "a story about kittens"}


async def test_provider_errors_become_client_errors_without_provider_details(
    llm_server: LlmServer,
) -> None:
    llm_server.script(Behaviour(fail_times=1, fail_status=429, retry_after="3"))
    result = await collect(provider(llm_server).stream(ask()))
    assert result.error is not None
    client_error = result.error.to_mateway_error()
    assert client_error.extensions() == {"code": "RATE_LIMITED", "retryAfter": 3.0}
    assert "local" not in client_error.message
