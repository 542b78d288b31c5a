"""Small helpers for the provider tests: collecting a stream, a fake clock and sleep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from subgraphs.ai.providers.base import (
    ChatMessage,
    ChatRequest,
    ProviderError,
    StreamEvent,
    TextDelta,
)


def ask(text: str = "Say hello", model: str = "local-model", **kwargs: object) -> ChatRequest:
    """A one-message request."""
    messages = (ChatMessage("system", "Be brief."), ChatMessage("user", text))
    return ChatRequest(model, messages, **kwargs)  # type: ignore[arg-type]


@dataclass
class Collected:
    """Everything a stream yielded, and the error that ended it (if any)."""

    events: list[StreamEvent] = field(default_factory=list)
    error: ProviderError | None = None

    @property
    def text(self) -> str:
        """The text deltas joined."""
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))


async def collect(stream: AsyncIterator[StreamEvent]) -> Collected:
    """Drain a stream, keeping a ProviderError that ends it."""
    collected = Collected()
    try:
        async for event in stream:
            collected.events.append(event)
    except ProviderError as error:
        collected.error = error
    return collected


class FakeClock:
    """A monotonic clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RecordingSleep:
    """An injected sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
