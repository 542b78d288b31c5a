"""Circuit breaker state transitions, driven by an injected clock."""

from __future__ import annotations

import asyncio

import pytest

from shared.circuit_breaker import (
    BreakerConfig,
    CircuitBreaker,
    CircuitBreakers,
    CircuitOpenError,
    CircuitState,
)
from shared.errors import ErrorCode


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Down(Exception):
    """The target failed."""


async def fail(breaker: CircuitBreaker) -> None:
    with pytest.raises(Down):
        async with breaker:
            raise Down


async def succeed(breaker: CircuitBreaker) -> None:
    async with breaker:
        pass


def make(clock: FakeClock, **config: object) -> CircuitBreaker:
    settings = {"failure_threshold": 3, "recovery_time": 10.0, **config}
    return CircuitBreaker("web", BreakerConfig(**settings), clock=clock)  # type: ignore[arg-type]


async def test_consecutive_failures_at_threshold_open_the_circuit() -> None:
    breaker = make(FakeClock())
    for _ in range(2):
        await fail(breaker)
    assert breaker.state is CircuitState.CLOSED
    await fail(breaker)
    assert breaker.state is CircuitState.OPEN
    assert breaker.opened_count == 1


async def test_a_success_resets_the_failure_count() -> None:
    breaker = make(FakeClock())
    await fail(breaker)
    await fail(breaker)
    await succeed(breaker)
    await fail(breaker)
    await fail(breaker)
    assert breaker.state is CircuitState.CLOSED


async def test_open_circuit_fails_fast_without_calling_the_target() -> None:
    clock = FakeClock()
    breaker = make(clock)
    for _ in range(3):
        await fail(breaker)
    clock.advance(4)
    called = False
    with pytest.raises(CircuitOpenError) as caught:
        async with breaker:
            called = True
    assert not called
    assert caught.value.code is ErrorCode.UNAVAILABLE
    assert caught.value.context == {"target": "web", "retryAfter": 6.0}


async def test_recovery_time_turns_open_into_half_open() -> None:
    clock = FakeClock()
    breaker = make(clock)
    for _ in range(3):
        await fail(breaker)
    clock.advance(9.99)
    assert breaker.state is CircuitState.OPEN
    clock.advance(0.01)
    assert breaker.state is CircuitState.HALF_OPEN


async def test_half_open_closes_after_enough_successful_trials() -> None:
    clock = FakeClock()
    breaker = make(clock, half_open_trials=2)
    for _ in range(3):
        await fail(breaker)
    clock.advance(10)
    await succeed(breaker)
    assert breaker.state is CircuitState.HALF_OPEN
    await succeed(breaker)
    assert breaker.state is CircuitState.CLOSED


async def test_a_failed_trial_reopens_for_a_full_recovery_time() -> None:
    clock = FakeClock()
    breaker = make(clock)
    for _ in range(3):
        await fail(breaker)
    clock.advance(10)
    await fail(breaker)
    assert breaker.state is CircuitState.OPEN
    assert breaker.opened_count == 2
    clock.advance(9)
    assert breaker.state is CircuitState.OPEN
    clock.advance(1)
    assert breaker.state is CircuitState.HALF_OPEN


async def test_half_open_admits_only_the_configured_number_of_concurrent_trials() -> None:
    clock = FakeClock()
    breaker = make(clock, half_open_trials=1)
    for _ in range(3):
        await fail(breaker)
    clock.advance(10)
    release = asyncio.Event()

    async def slow_trial() -> None:
        async with breaker:
            await release.wait()

    trial = asyncio.create_task(slow_trial())
    await asyncio.sleep(0)
    with pytest.raises(CircuitOpenError):
        await succeed(breaker)
    release.set()
    await trial
    assert breaker.state is CircuitState.CLOSED


async def test_cancelled_trial_frees_its_slot_without_a_verdict() -> None:
    clock = FakeClock()
    breaker = make(clock)
    for _ in range(3):
        await fail(breaker)
    clock.advance(10)

    async def hangs() -> None:
        async with breaker:
            await asyncio.Event().wait()

    task = asyncio.create_task(hangs())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.state is CircuitState.HALF_OPEN
    await succeed(breaker)
    assert breaker.state is CircuitState.CLOSED


async def test_ignored_exceptions_do_not_count_as_failures() -> None:
    breaker = make(FakeClock(), failure_threshold=1, ignored_types=(ValueError,))
    with pytest.raises(ValueError):
        async with breaker:
            raise ValueError("bad input, target is fine")
    assert breaker.state is CircuitState.CLOSED


async def test_decorator_guards_an_async_function() -> None:
    clock = FakeClock()
    breaker = make(clock, failure_threshold=2)
    calls: list[int] = []

    @breaker
    async def fetch(value: int) -> int:
        calls.append(value)
        if value < 0:
            raise Down
        return value * 2

    assert await fetch(2) == 4
    for _ in range(2):
        with pytest.raises(Down):
            await fetch(-1)
    with pytest.raises(CircuitOpenError):
        await fetch(3)
    assert calls == [2, -1, -1]
    clock.advance(10)
    assert await fetch(5) == 10
    assert breaker.state is CircuitState.CLOSED


def test_registry_keeps_one_breaker_per_target_with_overrides() -> None:
    clock = FakeClock()
    breakers = CircuitBreakers(
        BreakerConfig(failure_threshold=5),
        overrides={"pdf": BreakerConfig(failure_threshold=1)},
        clock=clock,
    )
    assert breakers.get("web") is breakers.get("web")
    assert breakers.get("web").config.failure_threshold == 5
    assert breakers.get("pdf").config.failure_threshold == 1
    breakers.get("pdf").record_failure()
    assert breakers.states() == {"web": CircuitState.CLOSED, "pdf": CircuitState.OPEN}


def test_invalid_config_is_rejected() -> None:
    with pytest.raises(ValueError):
        BreakerConfig(failure_threshold=0)
