"""The reply stack for the ai tests: core, mates, ai and the calc skill app behind a router
with identity, @auth and @credits on, a local LLM server, and clients for both transports.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from router.composition.command import compose_from_config
from router.config import RouterConfig
from router.http.app import RouterApp
from router.http.command import yaml_transports
from router.http.runtime import build_router
from router.supergraph_config import SupergraphConfig
from shared.auth.tokens import issue_access_token
from shared.credits import BalanceStore, Credits, Ledger
from shared.identity import Identity
from shared.redis import create_redis
from subgraphs.ai.config import ModelsConfig, load_models_config
from subgraphs.ai.runtime import AiRuntime, use_runtime
from subgraphs.ai.settings import AiSettings
from subgraphs.ai.tools import ToolCatalog
from tests.subgraphs.core.chats_support import Chats, signing_secret
from tests.support.identity import signing_keys
from tests.support.llm_servers import Behaviour, LlmServer

CREDITS_DB = 6
CALC_APP = "tests.subgraphs.ai.fixtures.calc.app:app"
SUBGRAPHS = {
    "core": "subgraphs.core.app:app",
    "mates": "subgraphs.mates.app:app",
    "ai": "subgraphs.ai.app:app",
    "calc": CALC_APP,
}
AI_CHAT = """subscription($input: AiChatInput!) { aiChat(input: $input) {
  __typename
  ... on PreprocessingEvent { topic mateId difficulty difficultyLevel flagged categories }
  ... on TextDeltaEvent { text }
  ... on ToolCallStartedEvent { callId name }
  ... on ToolCallFinishedEvent { callId name ok result }
  ... on ReplyFinishedEvent { messageId status
    usage { inputTokens outputTokens credits model toolCalls } }
} }"""
SEND = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { chatId messageId } }"""
CANCEL = "mutation($c: ID!, $m: ID!) { cancelReply(chatId: $c, messageId: $m) }"


class ScriptedLlm(LlmServer):
    """The local server, answering `after_tools` once a tool result is in the request, and
    counting streams that ended before their last chunk (the client closed them)."""

    def __init__(self) -> None:
        super().__init__()
        self.after_tools: Behaviour | None = None
        self.streams_completed = 0
        self.streams_closed_early = 0

    async def _openai(self, request: Request) -> Response:
        response = await super()._openai(request)
        body = self.requests[-1].body if self.requests else {}
        roles = [m.get("role") for m in body.get("messages", [])]
        if "tool" in roles and self.after_tools is not None:
            self.behaviour = self.after_tools
        if isinstance(response, StreamingResponse):
            response.body_iterator = self._tracked(response.body_iterator)
        return response

    async def _tracked(self, chunks: Any) -> AsyncIterator[Any]:
        finished = False
        try:
            async for chunk in chunks:
                yield chunk
            finished = True
        finally:
            if finished:
                self.streams_completed += 1
            else:
                self.streams_closed_early += 1


def local_models(*urls: str) -> tuple[ModelsConfig, dict[str, str]]:
    """models.yml with one local provider per URL, tried in order, and the env enabling them."""
    providers, models, env = [], [], {}
    for index, url in enumerate(urls):
        name = f"local{index}"
        providers.append(
            {
                "name": name,
                "kind": "openai_compatible",
                "base_url_env": f"LOCAL{index}_URL",
                "max_attempts": 1,
                "timeouts": {"connect": 2.0, "first_byte": 5.0, "between_chunks": 5.0},
            }
        )
        models.append(
            {
                "id": f"model-{index}",
                "provider": name,
                "model": f"local-model-{index}",
                "context_window": 8000,
                "prices": {"input_per_1k": 100, "output_per_1k": 200},
            }
        )
        env[f"LOCAL{index}_URL"] = url
    config = ModelsConfig.model_validate(
        {
            "providers": providers,
            "models": models,
            "default_models": [m["id"] for m in models],
        }
    )
    return config, env


@dataclass
class Stack:
    """The router, the credits service, the chat fixture and the runtime of the ai app."""

    router: RouterApp
    http: httpx.AsyncClient
    credits: Credits
    chats: Chats
    runtime: AiRuntime

    def headers(self, who: Identity) -> dict[str, str]:
        """A fresh access token for `who`."""
        return {"authorization": f"Bearer {issue_access_token(who, keys=signing_keys())}"}

    async def call(self, who: Identity, query: str, **variables: Any) -> dict[str, Any]:
        """One query or mutation through the router."""
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers(who)
        )
        body: dict[str, Any] = response.json()
        return body

    async def funded_user(self, amount: int) -> Identity:
        """A Directus user with `amount` credits."""
        who = await self.chats.new_user()
        assert who.user_id is not None
        if amount:
            await self.credits.grant(who.user_id, amount, "test funds")
        return who

    async def send(self, who: Identity, text: str) -> tuple[str, str]:
        """sendMessage through the router: (chat id, message id)."""
        body = await self.call(who, SEND, input={"text": text})
        assert "errors" not in body, body
        sent = body["data"]["sendMessage"]
        return sent["chatId"], sent["messageId"]

    async def over_websocket(
        self,
        who: Identity,
        chat_id: str,
        message_id: str,
        on_event: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> list[dict[str, Any]]:
        """aiChat over graphql-transport-ws: every `next` payload until `complete`."""
        payloads = []
        transport = ASGIWebSocketTransport(self.router)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://router") as client,
            aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws,
        ):
            token = self.headers(who)["authorization"]
            await ws.send_json({"type": "connection_init", "payload": {"authorization": token}})
            assert (await ws.receive_json(timeout=10))["type"] == "connection_ack"
            variables = {"input": {"chatId": chat_id, "messageId": message_id}}
            await ws.send_json(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": AI_CHAT, "variables": variables},
                }
            )
            for _ in range(10_000):
                message = await ws.receive_json(timeout=20)
                if message["type"] == "complete":
                    break
                if message["type"] == "error":
                    return [{"errors": message["payload"]}]
                payloads.append(message["payload"])
                if on_event is not None:
                    await on_event(message["payload"])
        return payloads

    async def over_sse(self, who: Identity, chat_id: str, message_id: str) -> list[dict[str, Any]]:
        """aiChat over graphql-sse (distinct connections): every `next` payload."""
        variables = {"input": {"chatId": chat_id, "messageId": message_id}}
        headers = {**self.headers(who), "accept": "text/event-stream"}
        payloads = []
        async with self.http.stream(
            "POST", "/graphql", json={"query": AI_CHAT, "variables": variables}, headers=headers
        ) as response:
            event = ""
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:") and event == "next":
                    payloads.append(json.loads(line.removeprefix("data:")))
        return payloads


def events(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The aiChat events of the payloads (asserting none carried errors)."""
    for payload in payloads:
        assert not payload.get("errors"), payload
    return [p["data"]["aiChat"] for p in payloads]


def text_of(found: list[dict[str, Any]]) -> str:
    """The streamed text."""
    return "".join(e["text"] for e in found if e["__typename"] == "TextDeltaEvent")


@asynccontextmanager
async def reply_stack(
    chats: Chats, tmp_path: Path, *llm_urls: str, shipped_models: bool = False
) -> AsyncIterator[Stack]:
    """The router over core, mates, ai and calc, with credits on a Valkey database."""
    valkey, directus = chats.valkey, chats.service.settings
    config_file = tmp_path / "supergraph.yaml"
    config_file.write_text(
        "subgraphs:\n" + "".join(f"  {n}:\n    module: {m}\n" for n, m in SUBGRAPHS.items())
    )
    supergraph = SupergraphConfig.load(config_file)
    plugins = {
        "identity": {"revocation_feed": False},
        "auth": {},
        "credits": {
            "redis_url": valkey.url(CREDITS_DB),
            "directus_url": directus.directus_url,
            "directus_token": directus.directus_token.get_secret_value()
            if directus.directus_token
            else None,
        },
    }
    config = RouterConfig(mode="development", plugins=plugins)
    sdl = compose_from_config(supergraph, yaml_transports(supergraph, config)).supergraph_sdl
    router = build_router(sdl, config, yaml_transports(supergraph, config))
    redis = create_redis(valkey.url(CREDITS_DB))
    await redis.flushdb()
    credits = Credits(BalanceStore(redis), Ledger(chats.directus))
    # shipped_models: the real models.yml with an empty environment (no provider enabled)
    models, env = (load_models_config(), {}) if shipped_models else local_models(*llm_urls)
    settings = AiSettings(
        signing_key=signing_secret(),  # type: ignore[arg-type]
        router_url="http://router/graphql",
        delta_window_ms=40,
    )
    runtime = AiRuntime(
        settings,
        models=models,
        env=env,
        tools=ToolCatalog.from_modules([CALC_APP]),
        router_transport=httpx.ASGITransport(app=router),
    )
    use_runtime(runtime)
    try:
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://router", timeout=30
        ) as http:
            yield Stack(router, http, credits, chats, runtime)
    finally:
        use_runtime(None)
        await runtime.aclose()
        await router.aclose()
        await redis.aclose()


@pytest.fixture
def llm() -> Iterator[ScriptedLlm]:
    """A local OpenAI-compatible server."""
    server = ScriptedLlm().start()
    try:
        yield server
    finally:
        server.stop()
