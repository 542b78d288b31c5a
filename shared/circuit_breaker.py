"""Circuit breakers per target: closed, open, half-open.

Closed: calls pass; `failure_threshold` consecutive failures open the circuit. Open: calls fail
fast with UNAVAILABLE until `recovery_time` has passed. Half-open: up to `half_open_trials`
calls go through; when that many succeed the circuit closes, any failure opens it again.
Use a breaker as an async context manager (`async with breaker:`) or a decorator.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import ParamSpec, TypeVar

from shared.errors import ErrorCode, MatewayError

P = ParamSpec("P")
R = TypeVar("R")
Clock = Callable[[], float]


class CircuitState(StrEnum):
    """A breaker's state; `value` doubles as the metrics label."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerConfig:
    """How a breaker trips and recovers."""

    failure_threshold: int = 5
    recovery_time: float = 30.0
    half_open_trials: int = 1
    # Exceptions that count as the target failing; others (e.g. bad input) pass through.
    failure_types: tuple[type[BaseException], ...] = (Exception,)
    ignored_types: tuple[type[BaseException], ...] = ()

    def __post_init__(self) -> None:
        if self.failure_threshold < 1 or self.half_open_trials < 1 or self.recovery_time < 0:
            raise ValueError("failure_threshold and half_open_trials must be >= 1, time >= 0")


class CircuitOpenError(MatewayError):
    """Raised instead of calling a target whose circuit is open."""

    def __init__(self, target: str, retry_after: float) -> None:
        super().__init__(
            ErrorCode.UNAVAILABLE,
            f"{target} is unavailable (circuit open)",
            target=target,
            retryAfter=round(max(retry_after, 0.0), 3),
        )
        self.target = target
        self.retry_after = retry_after


class CircuitBreaker:
    """One target's breaker; not thread-safe, meant for one event loop."""

    def __init__(
        self, target: str, config: BreakerConfig | None = None, clock: Clock = time.monotonic
    ) -> None:
        self.target = target
        self.config = config or BreakerConfig()
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trials_in_flight = 0
        self._trial_successes = 0
        self.opened_count = 0

    @property
    def state(self) -> CircuitState:
        """The current state; an open circuit becomes half-open once recovery time has passed."""
        if (
            self._state is CircuitState.OPEN
            and self._clock() - self._opened_at >= self.config.recovery_time
        ):
            self._state = CircuitState.HALF_OPEN
            self._trials_in_flight = 0
            self._trial_successes = 0
        return self._state

    def before_call(self) -> None:
        """Admit a call or raise CircuitOpenError."""
        state = self.state
        if state is CircuitState.OPEN:
            remaining = self.config.recovery_time - (self._clock() - self._opened_at)
            raise CircuitOpenError(self.target, remaining)
        if state is CircuitState.HALF_OPEN:
            if self._trials_in_flight + self._trial_successes >= self.config.half_open_trials:
                raise CircuitOpenError(self.target, 0.0)
            self._trials_in_flight += 1

    def record_success(self) -> None:
        """Count a successful call."""
        if self._state is CircuitState.HALF_OPEN:
            self._trials_in_flight = max(self._trials_in_flight - 1, 0)
            self._trial_successes += 1
            if self._trial_successes >= self.config.half_open_trials:
                self._state = CircuitState.CLOSED
                self._failures = 0
        else:
            self._failures = 0

    def record_failure(self) -> None:
        """Count a failed call; opens the circuit at the threshold or during a trial."""
        if self._state is CircuitState.HALF_OPEN:
            self._open()
            return
        self._failures += 1
        if self._state is CircuitState.CLOSED and self._failures >= self.config.failure_threshold:
            self._open()

    def release(self) -> None:
        """Free a half-open trial slot without a verdict (the call was cancelled)."""
        if self._state is CircuitState.HALF_OPEN:
            self._trials_in_flight = max(self._trials_in_flight - 1, 0)

    def _open(self) -> None:
        self._state = CircuitState.OPEN
        self._opened_at = self._clock()
        self._failures = 0
        self.opened_count += 1

    def _counts_as_failure(self, exc: BaseException) -> bool:
        return isinstance(exc, self.config.failure_types) and not isinstance(
            exc, self.config.ignored_types
        )

    async def __aenter__(self) -> CircuitBreaker:
        self.before_call()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.record_success()
        elif self._counts_as_failure(exc):
            self.record_failure()
        elif isinstance(exc, Exception):
            # An error that says nothing about the target's health (e.g. bad input).
            self.record_success()
        else:
            self.release()  # cancellation and other BaseExceptions give no verdict

    def __call__(self, func: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        """Guard an async function with this breaker."""

        @functools.wraps(func)
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            async with self:
                return await func(*args, **kwargs)

        return guarded


class CircuitBreakers:
    """Breakers keyed by target, sharing a default config with optional per-target overrides."""

    def __init__(
        self,
        default: BreakerConfig | None = None,
        overrides: dict[str, BreakerConfig] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.default = default or BreakerConfig()
        self.overrides = dict(overrides or {})
        self._clock = clock
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, target: str) -> CircuitBreaker:
        """The breaker for a target, created on first use."""
        breaker = self._breakers.get(target)
        if breaker is None:
            config = self.overrides.get(target, self.default)
            breaker = self._breakers[target] = CircuitBreaker(target, config, self._clock)
        return breaker

    def states(self) -> dict[str, CircuitState]:
        """Every known target's current state (read by the metrics collector)."""
        return {target: breaker.state for target, breaker in self._breakers.items()}

    def all(self) -> list[CircuitBreaker]:
        """Every breaker created so far."""
        return list(self._breakers.values())
