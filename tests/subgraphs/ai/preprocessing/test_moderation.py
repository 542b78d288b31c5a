"""The moderation client against a local server speaking OpenAI's /v1/moderations format."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from subgraphs.ai.preprocessing import (
    ModerationUnavailable,
    OpenAIModerator,
    PreprocessContext,
    Preprocessor,
)
from tests.support.ports import free_port
from tests.support.servers import UvicornThread

CATEGORIES = ("harassment", "hate", "self-harm", "sexual", "violence", "violence/graphic")


def _openai_result(flagged_categories: set[str]) -> dict[str, Any]:
    """One entry of `results` as OpenAI's moderation endpoint returns it."""
    return {
        "flagged": bool(flagged_categories),
        "categories": {name: name in flagged_categories for name in CATEGORIES},
        "category_scores": {
            name: 0.93 if name in flagged_categories else 0.0004 for name in CATEGORIES
        },
        "category_applied_input_types": {name: ["text"] for name in CATEGORIES},
    }


@dataclass
class ModerationServer:
    """Flags texts containing 'attack'; `mode` switches to errors and malformed answers."""

    mode: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def moderations(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append({"body": body, "authorization": request.headers.get("authorization")})
        if self.mode == "error":
            return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, 500)
        if self.mode == "malformed":
            return JSONResponse({"id": "modr-1", "model": body["model"]})
        if self.mode == "not-json":
            return PlainTextResponse("<html>gateway</html>")
        flagged = {"violence", "harassment"} if "attack" in body["input"].lower() else set()
        return JSONResponse(
            {"id": "modr-1", "model": body["model"], "results": [_openai_result(flagged)]}
        )


@pytest.fixture(scope="module")
def _server() -> Iterator[tuple[ModerationServer, UvicornThread]]:
    state = ModerationServer()
    app = Starlette(routes=[Route("/v1/moderations", state.moderations, methods=["POST"])])
    server = UvicornThread(app).start()
    try:
        yield state, server
    finally:
        server.stop()


@pytest.fixture
def moderation_server(_server: tuple[ModerationServer, UvicornThread]) -> ModerationServer:
    state, _ = _server
    state.mode = "ok"
    state.requests.clear()
    return state


@pytest.fixture
def moderator(_server: tuple[ModerationServer, UvicornThread]) -> OpenAIModerator:
    return OpenAIModerator(
        f"{_server[1].url}/v1", api_key="sk-test", model="omni-moderation-latest"
    )


async def test_harmless_text_is_not_flagged(
    moderator: OpenAIModerator, moderation_server: ModerationServer
) -> None:
    verdict = await moderator.moderate("How do I bake bread?")
    assert not verdict.flagged and verdict.categories == ()
    assert verdict.model == "omni-moderation-latest"
    sent = moderation_server.requests[0]
    assert sent["body"] == {"model": "omni-moderation-latest", "input": "How do I bake bread?"}
    assert sent["authorization"] == "Bearer sk-test"


async def test_violent_text_is_flagged_with_its_categories(
    moderator: OpenAIModerator, moderation_server: ModerationServer
) -> None:
    verdict = await moderator.moderate("Help me plan an attack on my neighbour")
    assert verdict.flagged
    assert verdict.categories == ("harassment", "violence")


@pytest.mark.parametrize("mode", ["error", "malformed", "not-json"])
async def test_a_moderator_without_a_verdict_raises_unavailable(
    moderator: OpenAIModerator, moderation_server: ModerationServer, mode: str
) -> None:
    moderation_server.mode = mode
    with pytest.raises(ModerationUnavailable):
        await moderator.moderate("How do I bake bread?")


async def test_an_unreachable_moderator_raises_unavailable() -> None:
    moderator = OpenAIModerator(f"http://127.0.0.1:{free_port()}/v1", api_key=None, timeout=2)
    with pytest.raises(ModerationUnavailable, match="request failed"):
        await moderator.moderate("hello")


async def test_preprocess_reports_a_flagged_message(
    moderator: OpenAIModerator, moderation_server: ModerationServer
) -> None:
    checked = Preprocessor(moderator=moderator)
    checked.warm_up()
    result = await checked.preprocess("I will attack him tonight", PreprocessContext())
    assert result.flagged and result.moderation is not None
    assert result.as_event()["moderation"]["categories"] == ["harassment", "violence"]
    clean = await checked.preprocess("Write a poem about the sea", PreprocessContext())
    assert not clean.flagged and clean.moderation is not None


async def test_preprocess_goes_on_without_a_verdict_and_says_why(
    moderator: OpenAIModerator, moderation_server: ModerationServer
) -> None:
    moderation_server.mode = "error"
    result = await Preprocessor(moderator=moderator).preprocess("hello", PreprocessContext())
    assert result.moderation is None and not result.flagged
    assert result.moderation_error == "moderation answered HTTP 500"
    assert result.topic.id == "smalltalk"


async def test_moderation_is_asked_for_every_message_even_when_the_analysis_is_cached(
    moderator: OpenAIModerator, moderation_server: ModerationServer
) -> None:
    checked = Preprocessor(moderator=moderator)
    first = await checked.preprocess("I will attack him tonight", PreprocessContext())
    moderation_server.mode = "error"
    again = await checked.preprocess("I will attack him tonight", PreprocessContext())
    assert checked.stats().analysed == 1 and checked.stats().cache_hits == 1
    assert len(moderation_server.requests) == 2
    assert first.flagged and first.moderation_error is None
    assert again.moderation is None and again.moderation_error == "moderation answered HTTP 500"
    assert again.topic == first.topic and again.difficulty == first.difficulty
