"""The LLM configuration (subgraphs/ai/models.yml): providers, models, prices, defaults."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.errors import ErrorCode, MatewayError
from subgraphs.ai.providers.transport import Timeouts

MODELS_FILE = Path(__file__).with_name("models.yml")
DEFAULT_MODEL = "default"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeoutsConfig(_Strict):
    """Seconds to connect, to the first byte of an answer, and between two chunks."""

    connect: float = Field(5.0, gt=0)
    first_byte: float = Field(30.0, gt=0)
    between_chunks: float = Field(30.0, gt=0)

    def to_timeouts(self) -> Timeouts:
        """The transport's Timeouts."""
        return Timeouts(self.connect, self.first_byte, self.between_chunks)


class BreakerSettings(_Strict):
    """When a provider's circuit opens and how long it stays open."""

    failure_threshold: int = Field(3, ge=1)
    recovery_time: float = Field(30.0, ge=0)


class ProviderConfig(_Strict):
    """One LLM API; the key is read from the environment variable `api_key_env`."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    kind: Literal["openai_compatible", "anthropic"]
    base_url: str | None = None
    base_url_env: str | None = None
    api_key_env: str | None = None
    timeouts: TimeoutsConfig = TimeoutsConfig.model_validate({})
    max_attempts: int = Field(3, ge=1, le=10)
    # Replies streamed from this provider at once (one connection each); more wait.
    max_streams: int = Field(1000, ge=1, le=100_000)
    breaker: BreakerSettings = BreakerSettings.model_validate({})

    @model_validator(mode="after")
    def _has_a_url(self) -> Self:
        if not self.base_url and not self.base_url_env:
            raise ValueError(f"provider {self.name}: set base_url or base_url_env")
        return self


class Prices(_Strict):
    """Credits per 1,000 input and output tokens."""

    input_per_1k: float = Field(ge=0)
    output_per_1k: float = Field(ge=0)


class ModelConfig(_Strict):
    """A model users can pick: our id, its provider and the provider's own model name."""

    id: str
    provider: str
    model: str
    context_window: int = Field(gt=0)
    prices: Prices

    def credits(self, input_tokens: int, output_tokens: int) -> int:
        """Credits for a reply's tokens, rounded up so any paid usage costs at least one."""
        cost = (
            input_tokens * self.prices.input_per_1k + output_tokens * self.prices.output_per_1k
        ) / 1000
        # Round away float noise (0.1 * 3 = 0.30000000000000004) before rounding up.
        return math.ceil(round(cost, 9))


class ModelsConfig(_Strict):
    """The whole models.yml."""

    providers: tuple[ProviderConfig, ...] = ()
    models: tuple[ModelConfig, ...] = ()
    default_models: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        names = [p.name for p in self.providers]
        ids = [m.id for m in self.models]
        for label, values in (("provider name", names), ("model id", ids)):
            duplicates = sorted({v for v in values if values.count(v) > 1})
            if duplicates:
                raise ValueError(f"duplicate {label}: {', '.join(duplicates)}")
        for model in self.models:
            if model.provider not in names:
                raise ValueError(f"model {model.id}: unknown provider {model.provider!r}")
        unknown = [m for m in self.default_models if m not in ids]
        if unknown:
            raise ValueError(f"default_models: unknown model ids {unknown}")
        return self

    def model(self, model_id: str) -> ModelConfig | None:
        """A model by id."""
        return next((m for m in self.models if m.id == model_id), None)


def load_models_config(path: Path = MODELS_FILE) -> ModelsConfig:
    """Read and validate a models.yml."""
    with path.open(encoding="utf-8") as handle:
        return ModelsConfig.model_validate(yaml.safe_load(handle) or {})


@dataclass(frozen=True)
class EnabledProvider:
    """A provider with its URL and key resolved from the environment."""

    config: ProviderConfig
    base_url: str
    api_key: str | None


class NoProviderConfigured(MatewayError):
    """No LLM provider can be used: no API key is set and no local server is configured."""

    def __init__(self, config: ModelsConfig) -> None:
        keys = [p.api_key_env for p in config.providers if p.api_key_env]
        urls = [p.base_url_env for p in config.providers if p.base_url_env]
        how = []
        if keys:
            how.append(f"set an API key in one of {', '.join(keys)}")
        if urls:
            how.append(
                f"point {' or '.join(urls)} at a local server (e.g. http://127.0.0.1:11434/v1)"
            )
        how_text = " or ".join(how) or "add a provider to subgraphs/ai/models.yml"
        super().__init__(
            ErrorCode.AI_NOT_CONFIGURED,
            f"No AI model provider is configured: {how_text}, then restart the ai service.",
        )


def enabled_providers(config: ModelsConfig, env: Mapping[str, str]) -> dict[str, EnabledProvider]:
    """The providers usable with this environment (the settings class passes its env)."""
    enabled: dict[str, EnabledProvider] = {}
    for provider in config.providers:
        url = (
            env.get(provider.base_url_env) if provider.base_url_env else None
        ) or provider.base_url
        key = env.get(provider.api_key_env) if provider.api_key_env else None
        if not url or (provider.api_key_env and not key):
            continue
        enabled[provider.name] = EnabledProvider(provider, url, key)
    return enabled


def models_to_try(
    config: ModelsConfig, enabled: Collection[str], preferred: str | Sequence[str]
) -> list[ModelConfig]:
    """The models to try in order: the preferred ones, then the defaults, of `enabled` providers.

    Raises NoProviderConfigured when none is left.
    """
    wanted = [preferred] if isinstance(preferred, str) else list(preferred)
    order: list[str] = []
    for model_id in [*wanted, *config.default_models]:
        if model_id != DEFAULT_MODEL and model_id not in order:
            order.append(model_id)
    models = [m for m in map(config.model, order) if m and m.provider in enabled]
    if not models:
        raise NoProviderConfigured(config)
    return models
