"""models.yml: validation, providers enabled by the environment, model order, prices."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from subgraphs.ai.config import (
    ModelsConfig,
    NoProviderConfigured,
    enabled_providers,
    load_models_config,
    models_to_try,
)


def test_shipped_models_file_is_valid_and_names_no_secret() -> None:
    config = load_models_config()
    assert config.default_models and all(config.model(m) for m in config.default_models)
    assert {p.kind for p in config.providers} == {"openai_compatible", "anthropic"}


def test_an_api_key_in_the_yaml_is_refused() -> None:
    with pytest.raises(ValidationError, match="api_key"):
        ModelsConfig.model_validate(
            {
                "providers": [
                    {
                        "name": "x",
                        "kind": "anthropic",
                        "base_url": "http://h/v1",
                        "api_key": "sk-secret",
                    }
                ]
            }
        )


def test_models_must_name_known_providers_and_unique_ids() -> None:
    model = {
        "id": "m",
        "provider": "nope",
        "model": "m",
        "context_window": 1,
        "prices": {"input_per_1k": 0, "output_per_1k": 0},
    }
    with pytest.raises(ValidationError, match="unknown provider 'nope'"):
        ModelsConfig.model_validate({"models": [model]})
    provider = {"name": "nope", "kind": "anthropic", "base_url": "http://h/v1"}
    with pytest.raises(ValidationError, match="duplicate model id: m"):
        ModelsConfig.model_validate({"providers": [provider], "models": [model, model]})
    with pytest.raises(ValidationError, match="unknown model ids"):
        ModelsConfig.model_validate({"providers": [provider], "default_models": ["zzz"]})


def test_providers_are_enabled_by_their_key_or_local_url() -> None:
    config = load_models_config()
    assert enabled_providers(config, {}) == {}
    enabled = enabled_providers(
        config, {"ANTHROPIC_API_KEY": "sk-ant", "OLLAMA_BASE_URL": "http://127.0.0.1:11434/v1"}
    )
    assert set(enabled) == {"anthropic", "ollama"}
    assert enabled["anthropic"].api_key == "sk-ant"
    assert enabled["ollama"].base_url == "http://127.0.0.1:11434/v1"
    assert enabled["ollama"].api_key is None


def test_models_to_try_puts_the_preferred_first_and_skips_disabled_providers() -> None:
    config = load_models_config()
    enabled = enabled_providers(config, {"OPENAI_API_KEY": "k", "MISTRAL_API_KEY": "k"})
    ids = [m.id for m in models_to_try(config, enabled, "gpt-4o")]
    assert ids == ["gpt-4o", "gpt-4o-mini", "mistral-small"]
    assert [m.id for m in models_to_try(config, enabled, "default")] == [
        "gpt-4o-mini",
        "mistral-small",
    ]
    # A preferred model whose provider is off is skipped, not an error.
    assert models_to_try(config, enabled, "claude-sonnet")[0].id == "gpt-4o-mini"


def test_no_enabled_provider_raises_ai_not_configured() -> None:
    config = load_models_config()
    with pytest.raises(NoProviderConfigured, match="OPENAI_API_KEY") as caught:
        models_to_try(config, {}, "default")
    assert "OLLAMA_BASE_URL" in caught.value.message
    assert caught.value.extensions() == {"code": "AI_NOT_CONFIGURED"}


def test_credits_round_up_per_reply() -> None:
    model = load_models_config().model("mistral-small")
    assert model is not None  # 0.1 in, 0.3 out per 1k
    assert model.credits(0, 0) == 0
    assert model.credits(1000, 1000) == 1  # 0.4 rounds up
    assert model.credits(3000, 9000) == 3  # 0.3 + 2.7 = 3.0 exactly, not 4
