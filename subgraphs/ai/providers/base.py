"""The provider Protocol: one chat request in, a stream of typed events out.

Every LLM API (OpenAI-compatible, Anthropic) is wrapped behind `ChatProvider.stream`, which
yields `StreamEvent`s. Failures raise `ProviderError` with a `kind` the router and the
reply stream branch on (retry, fall back, tell the user).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol, runtime_checkable

from shared.errors import ErrorCode, MatewayError

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolCall:
    """A tool call the assistant made, kept in history so the tool result can refer to it."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ChatMessage:
    """One message of the conversation.

    `tool_calls` is set on assistant messages that called tools; a `tool` message carries the
    result of one call in `content` and names it with `tool_call_id` (and `name`).
    """

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: its name, what it does and its input JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ChatRequest:
    """What to ask a model; `model` is the provider's own model name."""

    model: str
    messages: tuple[ChatMessage, ...]
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int = 1024
    temperature: float | None = None


@dataclass(frozen=True)
class TextDelta:
    """A fragment of the assistant's text."""

    text: str


@dataclass(frozen=True)
class ToolCallStarted:
    """The model began a tool call."""

    id: str
    name: str


@dataclass(frozen=True)
class ToolCallArgumentsDelta:
    """A fragment of a tool call's JSON arguments, as the model writes them."""

    id: str
    delta: str


@dataclass(frozen=True)
class ToolCallFinished:
    """A complete tool call with its parsed arguments."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Usage:
    """Tokens the provider counted for this request."""

    input_tokens: int
    output_tokens: int


FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "other"]


@dataclass(frozen=True)
class Finished:
    """The stream ended normally; always the last event."""

    reason: FinishReason


StreamEvent = (
    TextDelta | ToolCallStarted | ToolCallArgumentsDelta | ToolCallFinished | Usage | Finished
)


class ProviderErrorKind(StrEnum):
    """Why a provider call failed; decides retry and fallback."""

    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    BAD_REQUEST = "bad_request"
    AUTH = "auth"
    MALFORMED = "malformed"

    @property
    def retryable(self) -> bool:
        """True for failures that a later attempt (or another model) may not hit."""
        return self in (ProviderErrorKind.RATE_LIMITED, ProviderErrorKind.UNAVAILABLE)


class ProviderError(Exception):
    """A provider call failed; `emitted` is True when events were already yielded."""

    def __init__(
        self,
        kind: ProviderErrorKind,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        retry_after: float | None = None,
        emitted: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.provider = provider
        self.status = status
        self.retry_after = retry_after
        self.emitted = emitted

    def to_mateway_error(self) -> MatewayError:
        """The client-facing error: provider details stay in logs, the code says what to do."""
        if self.kind is ProviderErrorKind.RATE_LIMITED:
            code, message = ErrorCode.RATE_LIMITED, "The AI model is busy, try again shortly"
        elif self.kind is ProviderErrorKind.BAD_REQUEST:
            code, message = ErrorCode.BAD_USER_INPUT, "The AI model refused the request"
        else:
            code, message = ErrorCode.UNAVAILABLE, "The AI model is unavailable"
        context: dict[str, Any] = {}
        if self.retry_after is not None:
            context["retryAfter"] = round(self.retry_after, 3)
        return MatewayError(code, message, **context)

    def __repr__(self) -> str:
        return f"ProviderError({self.kind.value}, {self.message!r}, provider={self.provider!r})"


@dataclass(frozen=True)
class ModerationResult:
    """A moderation verdict: flagged or not, with the categories that fired."""

    flagged: bool
    categories: tuple[str, ...] = field(default=())


@runtime_checkable
class ChatProvider(Protocol):
    """A chat model API; `name` is the configured provider name (used for circuit breakers)."""

    name: str

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Stream the model's answer; raises ProviderError on failure."""
        ...

    async def aclose(self) -> None:
        """Close pooled connections."""
        ...


@runtime_checkable
class ModeratingProvider(Protocol):
    """Optional capability: providers that can moderate text."""

    async def moderate(self, text: str) -> ModerationResult:
        """Classify text; raises ProviderError on failure."""
        ...
