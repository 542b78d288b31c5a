"""ModelRouter: a mate's models tried in order, falling back before the first token.

A model is skipped when its provider's circuit is open or when it fails (after retries)
before yielding anything; once a token went out, its failure is the caller's to handle.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence

from shared.circuit_breaker import BreakerConfig, CircuitBreakers, CircuitOpenError, Clock
from subgraphs.ai.config import (
    EnabledProvider,
    ModelConfig,
    ModelsConfig,
    NoProviderConfigured,
    enabled_providers,
    models_to_try,
)
from subgraphs.ai.providers.anthropic import AnthropicProvider
from subgraphs.ai.providers.base import (
    ChatProvider,
    ChatRequest,
    ProviderError,
    ProviderErrorKind,
    StreamEvent,
)
from subgraphs.ai.providers.openai_compatible import OpenAICompatibleProvider
from subgraphs.ai.providers.resilience import RetryPolicy, Sleep, closing, resilient_stream
from subgraphs.ai.providers.transport import http_client


def build_provider(enabled: EnabledProvider) -> ChatProvider:
    """The client for one enabled provider, per its kind."""
    config = enabled.config
    timeouts = config.timeouts.to_timeouts()
    client = http_client(timeouts, max_streams=config.max_streams)
    kind = AnthropicProvider if config.kind == "anthropic" else OpenAICompatibleProvider
    return kind(config.name, enabled.base_url, enabled.api_key, timeouts, client)


class RoutedStream:
    """One routed reply: iterate it for events; `model` is the model that answered."""

    def __init__(self, router: ModelRouter, models: list[ModelConfig], request: ChatRequest):
        self._router = router
        self._models = models
        self._request = request
        self.model: ModelConfig | None = None
        # (model id, why it was skipped), in the order tried.
        self.skipped: list[tuple[str, str]] = []
        self._events = self._run()

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        return self._events

    async def aclose(self) -> None:
        """Stop the reply (e.g. the user cancelled it): closes the provider's response."""
        await self._events.aclose()

    async def _run(self) -> AsyncGenerator[StreamEvent, None]:
        failures: list[ProviderError | CircuitOpenError] = []
        for model in self._models:
            request = dataclasses.replace(self._request, model=model.model)
            started = False
            try:
                async with closing(self._router.model_stream(model, request)) as events:
                    async for event in events:
                        if not started:
                            started, self.model = True, model
                        yield event
                return
            except (ProviderError, CircuitOpenError) as error:
                if started:
                    raise
                failures.append(error)
                self.skipped.append((model.id, str(error)))
        raise _exhausted(self.skipped, failures)


def _exhausted(
    skipped: list[tuple[str, str]], failures: list[ProviderError | CircuitOpenError]
) -> ProviderError:
    last = failures[-1]
    kind = last.kind if isinstance(last, ProviderError) else ProviderErrorKind.UNAVAILABLE
    waits = [f.retry_after for f in failures if f.retry_after is not None]
    reasons = "; ".join(f"{model}: {why}" for model, why in skipped)
    return ProviderError(
        kind,
        f"no model could answer ({reasons})",
        retry_after=min(waits) if waits else None,
    )


class ModelRouter:
    """Enabled providers with one circuit breaker and retry policy each."""

    def __init__(
        self,
        config: ModelsConfig,
        providers: Mapping[str, ChatProvider],
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.config = config
        self.providers = dict(providers)
        settings = {p.name: p for p in config.providers}
        overrides = {
            name: BreakerConfig(
                failure_threshold=settings[name].breaker.failure_threshold,
                recovery_time=settings[name].breaker.recovery_time,
            )
            for name in self.providers
            if name in settings
        }
        self.breakers = CircuitBreakers(overrides=overrides, clock=clock)
        self._policies = {
            name: retry or RetryPolicy(max_attempts=settings[name].max_attempts)
            for name in self.providers
            if name in settings
        }
        self._sleep = sleep

    @classmethod
    def from_config(
        cls,
        config: ModelsConfig,
        env: Mapping[str, str] | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> ModelRouter:
        """A router over the providers `env` enables (the service passes its settings' env)."""
        enabled = enabled_providers(config, os.environ if env is None else env)
        if not enabled:
            raise NoProviderConfigured(config)
        providers = {name: build_provider(p) for name, p in enabled.items()}
        return cls(config, providers, clock=clock, sleep=sleep)

    def models_for(self, preferred: str | Sequence[str]) -> list[ModelConfig]:
        """The models to try for a mate's preferred model(s); NoProviderConfigured if none."""
        return models_to_try(self.config, {name: True for name in self.providers}, preferred)

    def stream(self, preferred: str | Sequence[str], request: ChatRequest) -> RoutedStream:
        """Route a request to the first model that answers (`request.model` is replaced)."""
        return RoutedStream(self, self.models_for(preferred), request)

    def model_stream(
        self, model: ModelConfig, request: ChatRequest
    ) -> AsyncGenerator[StreamEvent, None]:
        """One model's stream through its provider's breaker and retry policy."""
        provider = self.providers[model.provider]
        policy = self._policies.get(model.provider, RetryPolicy())
        breaker = self.breakers.get(model.provider)
        return resilient_stream(provider, request, breaker, policy, self._sleep)

    async def aclose(self) -> None:
        """Close every provider's pooled connections."""
        for provider in self.providers.values():
            await provider.aclose()
