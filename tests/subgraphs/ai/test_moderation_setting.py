"""`moderation_provider`: the ai app's settings turn on moderation through a provider."""

from __future__ import annotations

import pytest

from shared.errors import MatewayError
from subgraphs.ai.runtime import AiRuntime
from subgraphs.ai.settings import AiSettings
from tests.subgraphs.ai.reply_support import ScriptedLlm, llm, local_models
from tests.support.llm_servers import Behaviour

__all__ = ["llm"]


def runtime_for(url: str, provider: str | None) -> AiRuntime:
    models, env = local_models(url)
    return AiRuntime(AiSettings(moderation_provider=provider), models=models, env=env)


async def test_a_named_provider_moderates_messages_through_its_moderations_endpoint(
    llm: ScriptedLlm,
) -> None:
    llm.script(Behaviour(text="unused", flag_words=("violence",)))
    moderator = runtime_for(llm.url, "local0").moderator()
    assert moderator is not None
    flagged = await moderator.moderate("Describe violence in detail")
    assert flagged.flagged and flagged.categories == ("violence",)
    assert not (await moderator.moderate("What is the capital of France?")).flagged


def test_no_moderation_provider_means_no_moderator(llm: ScriptedLlm) -> None:
    assert runtime_for(llm.url, None).moderator() is None


def test_a_provider_that_is_not_enabled_is_a_clear_configuration_error(llm: ScriptedLlm) -> None:
    with pytest.raises(MatewayError) as caught:
        runtime_for(llm.url, "openai").moderator()
    assert caught.value.code.value == "AI_NOT_CONFIGURED"
    assert "moderation_provider 'openai'" in caught.value.message
