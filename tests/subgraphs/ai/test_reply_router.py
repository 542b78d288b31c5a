"""aiChat end to end through the router: real Directus, Valkey and a local LLM server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from subgraphs.ai.preprocessing import OpenAIModerator, Preprocessor, install_preprocessor
from tests.subgraphs.ai.fixtures.calc.schema import CALLS
from tests.subgraphs.ai.reply_support import (
    CANCEL,
    ScriptedLlm,
    events,
    llm,
    reply_stack,
    text_of,
)
from tests.subgraphs.core.chats_support import Chats
from tests.support.llm_servers import Behaviour, ScriptedToolCall
from tests.support.ports import free_port

__all__ = ["llm"]

ANSWER = "Paris is the capital of France, and it sits on the Seine."


async def test_reply_streams_over_websocket_and_sse_and_is_stored_encrypted(
    chats: Chats, llm: ScriptedLlm, tmp_path: Path
) -> None:
    llm.script(Behaviour(text=ANSWER, input_tokens=30))
    async with reply_stack(chats, tmp_path, llm.url) as stack:
        alice = await stack.funded_user(1000)
        chat_id, message_id = await stack.send(alice, "What is the capital of France?")
        charged = 0
        for transport in (stack.over_websocket, stack.over_sse):
            found = events(await transport(alice, chat_id, message_id))
            assert text_of(found) == ANSWER
            # Without a moderator the preprocessing event does not hold the text back: it
            # comes once, when ready, before the end.
            preprocessed = [e for e in found[:-1] if e["__typename"] == "PreprocessingEvent"]
            assert len(preprocessed) == 1 and preprocessed[0]["topic"]
            assert preprocessed[0]["difficultyLevel"] in ("easy", "medium", "hard")
            assert preprocessed[0]["flagged"] is False
            # Coalesced: fewer events than the model's tokens would not be guaranteed when
            # the server streams faster than the window, so only the order is asserted.
            final = found[-1]
            assert final["__typename"] == "ReplyFinishedEvent"
            assert final["status"] == "done"
            output_tokens = final["usage"]["outputTokens"]
            assert final["usage"]["inputTokens"] == 30 and output_tokens > 0
            # models priced 100 / 200 credits per 1k tokens, rounded up
            expected = -(-(30 * 100 + output_tokens * 200) // 1000)
            assert final["usage"]["credits"] == expected
            charged += expected
            row = await chats.message_row(final["messageId"])
            assert ANSWER not in str(row) and row["role"] == "assistant"
            chat = await chats.chat_row(chat_id)
            cipher = await chats.keys.cipher(chat_id, str(chat["wrapped_key"]))
            assert cipher.decrypt_message(final["messageId"], row["body_ciphertext"]) == ANSWER
        # each reply was reserved (20) and settled at what its tokens cost
        assert alice.user_id is not None
        assert await stack.credits.balance(alice.user_id) == 1000 - charged
        # the model was asked with the mate's prompt and the user's message
        sent = llm.requests[-1].body["messages"]
        assert sent[0]["role"] == "system"
        assert sent[-1] == {"role": "user", "content": "What is the capital of France?"}


async def test_a_tool_call_runs_the_skill_as_the_user_and_is_charged_too(
    chats: Chats, llm: ScriptedLlm, tmp_path: Path
) -> None:
    call = ScriptedToolCall("call_1", "calcEvaluate", {"expression": "6*7"})
    llm.script(Behaviour(text="Let me compute.", tool_calls=[call], input_tokens=40))
    llm.after_tools = Behaviour(text="It is 42.", input_tokens=60)
    async with reply_stack(chats, tmp_path, llm.url) as stack:
        alice = await stack.funded_user(1000)
        chat_id, message_id = await stack.send(alice, "What is six times seven?")
        before = len(CALLS)
        found = events(await stack.over_websocket(alice, chat_id, message_id))
        kinds = [e["__typename"] for e in found]
        assert "ToolCallStartedEvent" in kinds
        finished = next(e for e in found if e["__typename"] == "ToolCallFinishedEvent")
        assert finished["ok"] is True and finished["name"] == "calcEvaluate"
        assert finished["result"] == {"expression": "6*7", "value": 42.0}
        assert CALLS[before:] == ["6*7"]
        assert text_of(found) == "Let me compute.It is 42."
        final = found[-1]
        assert final["usage"]["toolCalls"] == 1 and final["status"] == "done"
        # the model got the tool offered, then the tool's result
        first, second = llm.requests[0].body, llm.requests[-1].body
        assert [t["function"]["name"] for t in first["tools"]] == ["calcEvaluate"]
        tool_message = next(m for m in second["messages"] if m["role"] == "tool")
        assert '"value": 42.0' in tool_message["content"]
        assert alice.user_id is not None
        balance = await stack.credits.balance(alice.user_id)
        assert balance == 1000 - final["usage"]["credits"] - 3  # the calc skill costs 3


async def test_cancel_mid_stream_closes_the_provider_stream_and_settles_what_was_used(
    chats: Chats, llm: ScriptedLlm, tmp_path: Path
) -> None:
    long_text = " ".join(f"word{i}" for i in range(400))
    llm.script(Behaviour(text=long_text, tokens_per_second=40, input_tokens=25))
    async with reply_stack(chats, tmp_path, llm.url) as stack:
        alice = await stack.funded_user(1000)
        chat_id, message_id = await stack.send(alice, "Tell me a long story")
        cancelled: list[bool] = []

        async def cancel_after_first_text(payload: dict[str, Any]) -> None:
            event = payload["data"]["aiChat"]
            if event["__typename"] == "TextDeltaEvent" and not cancelled:
                cancelled.append(True)
                body = await stack.call(alice, CANCEL, c=chat_id, m=message_id)
                assert body["data"]["cancelReply"] is not None, body

        found = events(
            await stack.over_websocket(alice, chat_id, message_id, cancel_after_first_text)
        )
        final = found[-1]
        assert final["status"] == "cancelled"
        streamed = text_of(found)
        assert 0 < len(streamed) < len(long_text) / 4
        for _ in range(100):  # the server sees the close shortly after
            if llm.streams_closed_early:
                break
            await asyncio.sleep(0.02)
        assert (llm.streams_closed_early, llm.streams_completed) == (1, 0)
        assert final["usage"]["credits"] < 20  # well below the reservation
        assert alice.user_id is not None
        assert await stack.credits.balance(alice.user_id) == 1000 - final["usage"]["credits"]
        row = await chats.message_row(final["messageId"])
        assert row["status"] == "cancelled"


async def test_no_provider_configured_answers_ai_not_configured_and_charges_nothing(
    chats: Chats, tmp_path: Path
) -> None:
    async with reply_stack(chats, tmp_path, shipped_models=True) as stack:
        alice = await stack.funded_user(100)
        chat_id, message_id = await stack.send(alice, "Hello?")
        payloads = await stack.over_websocket(alice, chat_id, message_id)
        errors = payloads[-1]["errors"]
        assert errors[0]["extensions"]["code"] == "AI_NOT_CONFIGURED"
        assert "OLLAMA_BASE_URL" in errors[0]["message"]
        assert alice.user_id is not None
        assert await stack.credits.balance(alice.user_id) == 100


async def test_provider_down_the_fallback_model_answers(
    chats: Chats, llm: ScriptedLlm, tmp_path: Path
) -> None:
    llm.script(Behaviour(text="Backup here."))
    down = f"http://127.0.0.1:{free_port()}/v1"
    async with reply_stack(chats, tmp_path, down, llm.url) as stack:
        alice = await stack.funded_user(1000)
        chat_id, message_id = await stack.send(alice, "Anyone there?")
        found = events(await stack.over_sse(alice, chat_id, message_id))
        assert text_of(found) == "Backup here."
        assert found[-1]["usage"]["model"] == "model-1"


async def test_another_users_chat_is_not_found_and_no_model_is_called(
    chats: Chats, llm: ScriptedLlm, tmp_path: Path
) -> None:
    async with reply_stack(chats, tmp_path, llm.url) as stack:
        alice = await stack.funded_user(100)
        bob = await stack.funded_user(100)
        chat_id, message_id = await stack.send(alice, "Private")
        payloads = await stack.over_websocket(bob, chat_id, message_id)
        assert payloads[-1]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert llm.requests == []
        assert bob.user_id is not None
        assert await stack.credits.balance(bob.user_id) == 100


async def test_a_message_the_moderator_flags_gets_no_answer_and_costs_nothing(
    chats: Chats, llm: ScriptedLlm, tmp_path: Path
) -> None:
    llm.script(Behaviour(text="This should never be sent.", flag_words=("violence",)))
    install_preprocessor(Preprocessor(moderator=OpenAIModerator(llm.url, None)))
    try:
        async with reply_stack(chats, tmp_path, llm.url) as stack:
            alice = await stack.funded_user(100)
            chat_id, message_id = await stack.send(alice, "Describe violence in detail")
            found = events(await stack.over_websocket(alice, chat_id, message_id))
    finally:
        install_preprocessor(None)
    assert found[0]["flagged"] is True and found[0]["categories"] == ["violence"]
    assert text_of(found) == ""
    assert found[-1]["status"] == "flagged"
    assert alice.user_id is not None
    assert await stack.credits.balance(alice.user_id) == 100


async def test_with_a_moderator_no_text_is_sent_before_its_verdict(
    chats: Chats, llm: ScriptedLlm, tmp_path: Path
) -> None:
    llm.script(Behaviour(text=ANSWER, flag_words=("violence",)))
    install_preprocessor(Preprocessor(moderator=OpenAIModerator(llm.url, None)))
    try:
        async with reply_stack(chats, tmp_path, llm.url) as stack:
            alice = await stack.funded_user(1000)
            chat_id, message_id = await stack.send(alice, "What is the capital of France?")
            found = events(await stack.over_websocket(alice, chat_id, message_id))
    finally:
        install_preprocessor(None)
    assert found[0]["__typename"] == "PreprocessingEvent" and found[0]["flagged"] is False
    assert [e["__typename"] for e in found].count("PreprocessingEvent") == 1
    assert text_of(found) == ANSWER and found[-1]["status"] == "done"


async def test_tool_steps_are_bounded_and_the_last_step_is_asked_without_tools(
    chats: Chats, llm: ScriptedLlm, tmp_path: Path
) -> None:
    call = ScriptedToolCall("call_n", "calcEvaluate", {"expression": "1+1"})
    llm.script(Behaviour(text="Again.", tool_calls=[call]))  # the model never stops calling
    async with reply_stack(chats, tmp_path, llm.url) as stack:
        alice = await stack.funded_user(1000)
        chat_id, message_id = await stack.send(alice, "Loop forever")
        before = len(CALLS)
        found = events(await stack.over_websocket(alice, chat_id, message_id))
    steps = stack.runtime.settings.max_tool_steps
    assert len(llm.requests) == steps + 1
    assert all("tools" in r.body for r in llm.requests[:-1])
    assert "tools" not in llm.requests[-1].body
    assert len(CALLS) - before == steps
    assert found[-1]["usage"]["toolCalls"] == steps
