"""Retries, circuit breakers and model fallback, against two local LLM servers."""

from __future__ import annotations

from typing import Any

import pytest

from shared.circuit_breaker import CircuitState
from shared.errors import ErrorCode
from subgraphs.ai.config import ModelsConfig, NoProviderConfigured
from subgraphs.ai.providers.base import ProviderError, TextDelta
from subgraphs.ai.providers.router import ModelRouter
from tests.subgraphs.ai.providers.helpers import FakeClock, RecordingSleep, ask, collect
from tests.support.llm_servers import Behaviour, LlmServer


def models_config(max_attempts: int = 3, threshold: int = 3) -> ModelsConfig:
    breaker = {"failure_threshold": threshold, "recovery_time": 30}
    return ModelsConfig.model_validate(
        {
            "providers": [
                {
                    "name": "primary",
                    "kind": "openai_compatible",
                    "base_url_env": "PRIMARY_URL",
                    "api_key_env": "PRIMARY_KEY",
                    "max_attempts": max_attempts,
                    "breaker": breaker,
                },
                {
                    "name": "backup",
                    "kind": "anthropic",
                    "base_url_env": "BACKUP_URL",
                    "api_key_env": "BACKUP_KEY",
                    "breaker": breaker,
                },
            ],
            "models": [
                {
                    "id": "fast",
                    "provider": "primary",
                    "model": "fast-v1",
                    "context_window": 8000,
                    "prices": {"input_per_1k": 1, "output_per_1k": 2},
                },
                {
                    "id": "steady",
                    "provider": "backup",
                    "model": "steady-v1",
                    "context_window": 8000,
                    "prices": {"input_per_1k": 1, "output_per_1k": 2},
                },
            ],
            "default_models": ["fast", "steady"],
        }
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def router(
    llm_server: LlmServer, backup_server: LlmServer, clock: FakeClock, sleep: RecordingSleep
) -> ModelRouter:
    env = {
        "PRIMARY_URL": llm_server.url,
        "PRIMARY_KEY": "k1",
        "BACKUP_URL": backup_server.url,
        "BACKUP_KEY": "k2",
    }
    return ModelRouter.from_config(models_config(), env, clock=clock, sleep=sleep)


async def _reply(router: ModelRouter, preferred: Any = "default") -> tuple[str, str | None, Any]:
    stream = router.stream(preferred, ask())
    result = await collect(stream)
    return result.text, stream.model.id if stream.model else None, result.error


async def test_rate_limit_is_retried_after_the_retry_after_delay(
    router: ModelRouter, llm_server: LlmServer, sleep: RecordingSleep
) -> None:
    llm_server.script(Behaviour(text="Finally.", fail_times=1, fail_status=429, retry_after="4"))
    text, model, error = await _reply(router)
    assert (text, model, error) == ("Finally.", "fast", None)
    assert sleep.delays == [4.0]
    assert len(llm_server.requests) == 2


async def test_server_errors_are_retried_with_exponential_backoff(
    router: ModelRouter, llm_server: LlmServer, sleep: RecordingSleep
) -> None:
    llm_server.script(Behaviour(text="Recovered.", fail_times=2, fail_status=500))
    text, model, _ = await _reply(router)
    assert (text, model) == ("Recovered.", "fast")
    assert sleep.delays == [0.5, 1.0]
    # The requested model is the provider's own name, not our id.
    assert llm_server.requests[-1].body["model"] == "fast-v1"


async def test_a_stream_cut_after_tokens_is_not_retried_nor_rerouted(
    router: ModelRouter, llm_server: LlmServer, backup_server: LlmServer
) -> None:
    llm_server.script(Behaviour(text="one two three", cut_after=1))
    text, model, error = await _reply(router)
    assert (text, model) == ("one", "fast")
    assert isinstance(error, ProviderError) and error.emitted
    assert len(llm_server.requests) == 1 and backup_server.requests == []


async def test_circuit_opens_after_failures_and_the_fallback_model_answers(
    router: ModelRouter, llm_server: LlmServer, backup_server: LlmServer
) -> None:
    llm_server.script(Behaviour(fail_times=100, fail_status=503))
    text, model, error = await _reply(router)
    assert (text, model, error) == ("Backup answer.", "steady", None)
    assert router.breakers.get("primary").state is CircuitState.OPEN
    assert len(llm_server.requests) == 3  # threshold 3: the third attempt opened it
    # While open, the primary is skipped without a request.
    text, model, _ = await _reply(router)
    assert (text, model) == ("Backup answer.", "steady")
    assert len(llm_server.requests) == 3
    assert backup_server.requests[-1].body["model"] == "steady-v1"


async def test_half_open_circuit_closes_when_the_provider_is_back(
    router: ModelRouter, llm_server: LlmServer, clock: FakeClock
) -> None:
    llm_server.script(Behaviour(fail_times=100, fail_status=500))
    await _reply(router)
    breaker = router.breakers.get("primary")
    assert breaker.state is CircuitState.OPEN
    llm_server.script(Behaviour(text="I am back."))
    clock.now += 31
    assert breaker.state is CircuitState.HALF_OPEN
    text, model, _ = await _reply(router)
    assert (text, model) == ("I am back.", "fast")
    assert breaker.state is CircuitState.CLOSED


async def test_half_open_trial_failure_opens_the_circuit_again(
    router: ModelRouter, llm_server: LlmServer, clock: FakeClock
) -> None:
    llm_server.script(Behaviour(fail_times=100, fail_status=500))
    await _reply(router)
    clock.now += 31
    text, model, _ = await _reply(router)
    assert (text, model) == ("Backup answer.", "steady")
    assert router.breakers.get("primary").state is CircuitState.OPEN


async def test_every_model_failing_raises_one_error_naming_each(
    router: ModelRouter, llm_server: LlmServer, backup_server: LlmServer
) -> None:
    llm_server.script(Behaviour(fail_times=100, fail_status=429, retry_after="120"))
    backup_server.script(Behaviour(fail_times=100, fail_status=529, retry_after="9"))
    text, model, error = await _reply(router)
    assert (text, model) == ("", None)
    assert isinstance(error, ProviderError)
    assert "fast:" in error.message and "steady:" in error.message
    # A Retry-After longer than the policy's cap is not waited for; the shortest is reported.
    assert error.retry_after == 9.0


async def test_bad_request_is_not_retried_and_leaves_the_circuit_closed(
    router: ModelRouter, llm_server: LlmServer, sleep: RecordingSleep
) -> None:
    llm_server.script(Behaviour(fail_times=3, fail_status=400))
    text, model, _ = await _reply(router)
    assert (text, model) == ("Backup answer.", "steady")
    assert sleep.delays == [] and len(llm_server.requests) == 1
    assert router.breakers.get("primary").state is CircuitState.CLOSED


async def test_preferred_model_is_tried_before_the_defaults(
    router: ModelRouter, llm_server: LlmServer
) -> None:
    text, model, _ = await _reply(router, "steady")
    assert (text, model) == ("Backup answer.", "steady")
    assert llm_server.requests == []


def test_no_provider_configured_says_how_to_configure_one() -> None:
    with pytest.raises(NoProviderConfigured) as caught:
        ModelRouter.from_config(models_config(), {"PRIMARY_URL": "http://127.0.0.1:1/v1"})
    error = caught.value
    assert error.code is ErrorCode.AI_NOT_CONFIGURED
    assert "PRIMARY_KEY" in error.message and "BACKUP_KEY" in error.message
    assert "PRIMARY_URL" in error.message
    assert error.extensions()["code"] == "AI_NOT_CONFIGURED"


async def test_a_reply_stopped_during_a_half_open_trial_frees_the_trial(
    router: ModelRouter, llm_server: LlmServer, clock: FakeClock
) -> None:
    llm_server.script(Behaviour(fail_times=3, fail_status=500))
    await _reply(router)
    clock.now += 31
    llm_server.script(Behaviour(text="one two three four five", tokens_per_second=20))
    stream = router.stream("default", ask())
    first = await anext(aiter(stream))
    assert first == TextDelta("one")
    await stream.aclose()  # the user pressed stop: no verdict on the provider
    breaker = router.breakers.get("primary")
    assert breaker.state is CircuitState.HALF_OPEN
    text, model, _ = await _reply(router)  # the trial slot is free again
    assert (text, model) == ("one two three four five", "fast")
    assert breaker.state is CircuitState.CLOSED
