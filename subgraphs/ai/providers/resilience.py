"""Retries with backoff (honouring Retry-After) and circuit-breaker verdicts for one provider.

A call is retried only while nothing was yielded: once a token reached the caller, a retry
would repeat it, so a failure mid-stream is raised with `emitted=True` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from shared.circuit_breaker import CircuitBreaker
from subgraphs.ai.providers.base import (
    ChatProvider,
    ChatRequest,
    ProviderError,
    ProviderErrorKind,
    StreamEvent,
)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before retrying a failed call."""

    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 20.0
    # A Retry-After longer than this is not waited for: the router falls back instead.
    max_retry_after: float = 30.0

    def delay(self, attempt: int, error: ProviderError) -> float | None:
        """Seconds to wait after failed attempt `attempt` (1-based); None to stop retrying."""
        if attempt >= self.max_attempts or not error.kind.retryable:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_retry_after else None
        return float(min(self.base_delay * 2 ** (attempt - 1), self.max_delay))


# Failures that say the provider is unhealthy; a bad request says nothing about it.
_BREAKER_FAILURES = frozenset(
    {
        ProviderErrorKind.RATE_LIMITED,
        ProviderErrorKind.UNAVAILABLE,
        ProviderErrorKind.MALFORMED,
        ProviderErrorKind.AUTH,
    }
)


def _record(breaker: CircuitBreaker, error: ProviderError) -> None:
    if error.kind in _BREAKER_FAILURES:
        breaker.record_failure()
    else:
        breaker.record_success()


@contextlib.asynccontextmanager
async def closing(events: AsyncIterator[Any]) -> AsyncGenerator[AsyncIterator[Any], None]:
    """Close an event stream on exit, so a stopped reply releases its HTTP response now.

    `async for` does not close the generator it leaves early; without this the response
    would stay open until the garbage collector finalizes the generator.
    """
    try:
        yield events
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()


async def resilient_stream(
    provider: ChatProvider,
    request: ChatRequest,
    breaker: CircuitBreaker,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Sleep = asyncio.sleep,
) -> AsyncGenerator[StreamEvent, None]:
    """Stream through the breaker, retrying failures that happen before the first event.

    Raises CircuitOpenError when the breaker refuses the call, ProviderError otherwise.
    """
    for attempt in range(1, policy.max_attempts + 1):
        breaker.before_call()
        emitted = False
        try:
            async with closing(provider.stream(request)) as events:
                async for event in events:
                    emitted = True
                    yield event
        except ProviderError as error:
            error.emitted = emitted
            error.provider = error.provider or provider.name
            _record(breaker, error)
            delay = None if emitted else policy.delay(attempt, error)
            if delay is None:
                raise
            await sleep(delay)
            continue
        except BaseException:
            breaker.release()  # cancelled, or the caller stopped reading: no verdict
            raise
        breaker.record_success()
        return
