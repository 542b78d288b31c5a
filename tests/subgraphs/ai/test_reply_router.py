"""aiChat end to end through the router: real Directus, Valkey and a local LLM server."""

from __future__ import annotations

from pathlib import Path

from shared.credits.report import REQUEST_ID_HEADER
from tests.subgraphs.ai.reply_support import ScriptedLlm, events, llm, reply_stack, text_of
from tests.subgraphs.core.chats_support import Chats
from tests.support.llm_servers import Behaviour

__all__ = ["llm", "REQUEST_ID_HEADER"]

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
