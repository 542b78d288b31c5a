"""The events of a streamed reply (`aiChat`), as GraphQL types."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON


@strawberry.type(description="What preprocessing found before the model was called.")
class PreprocessingEvent:
    topic: str | None
    mate_id: str | None
    difficulty: float | None
    flagged: bool


@strawberry.type(description="A piece of the answer's text (deltas coalesced over ~40 ms).")
class TextDeltaEvent:
    text: str


@strawberry.type(description="The model started a tool (skill) call.")
class ToolCallStartedEvent:
    call_id: str
    name: str


@strawberry.type(description="A tool call finished; `ok` is false when the skill failed.")
class ToolCallFinishedEvent:
    call_id: str
    name: str
    ok: bool
    result: JSON | None


@strawberry.type(description="Tokens and credits of a reply.")
class ReplyUsage:
    input_tokens: int
    output_tokens: int
    credits: int
    model: str | None
    tool_calls: int


@strawberry.type(description="The reply ended: stored (encrypted) as `messageId`.")
class ReplyFinishedEvent:
    message_id: strawberry.ID
    status: str  # done | cancelled | failed
    usage: ReplyUsage


AiChatEvent = Annotated[
    PreprocessingEvent
    | TextDeltaEvent
    | ToolCallStartedEvent
    | ToolCallFinishedEvent
    | ReplyFinishedEvent,
    strawberry.union("AiChatEvent"),
]
