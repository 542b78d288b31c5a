"""The events of a streamed reply (`aiChat`), as GraphQL types."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from shared.apps.directives import signed_in


@strawberry.type(
    description="What preprocessing found before the model was called.", directives=[signed_in()]
)
class PreprocessingEvent:
    topic: str | None
    mate_id: str | None
    difficulty: float | None
    difficulty_level: str | None
    flagged: bool
    categories: list[str]


@strawberry.type(
    description="A piece of the answer's text (deltas coalesced over ~40 ms).",
    directives=[signed_in()],
)
class TextDeltaEvent:
    text: str


@strawberry.type(description="The model started a tool (skill) call.", directives=[signed_in()])
class ToolCallStartedEvent:
    call_id: str
    name: str


@strawberry.type(
    description="A tool call finished; `ok` is false when the skill failed.",
    directives=[signed_in()],
)
class ToolCallFinishedEvent:
    call_id: str
    name: str
    ok: bool
    result: JSON | None


@strawberry.type(description="Tokens and credits of a reply.", directives=[signed_in()])
class ReplyUsage:
    input_tokens: int
    output_tokens: int
    credits: int
    model: str | None
    tool_calls: int


@strawberry.type(
    description="The reply ended: stored (encrypted) as `messageId`.", directives=[signed_in()]
)
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
