"""The ai subgraph's schema: the `aiChat` subscription (the guide's /v1/ai/chat)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

import strawberry
from graphql import GraphQLError

from shared.apps.directives import signed_in, skill_field_directives
from shared.apps.manifest import MANIFEST_FILE, load_manifest
from shared.credits.report import CreditsReport, report_usage
from shared.errors import ErrorCode, MatewayError, MatewaySchema, format_graphql_error
from shared.identity import Identity
from subgraphs.ai.history import chat_service, load_reply_context
from subgraphs.ai.runtime import current_runtime
from subgraphs.ai.service import Reply
from subgraphs.ai.skills.chat import AiChatInput
from subgraphs.ai.types import AiChatEvent

MANIFEST = load_manifest(Path(__file__).with_name(MANIFEST_FILE))


def _caller(info: strawberry.Info) -> Identity:
    context = info.context
    identity = context.get("identity") if isinstance(context, dict) else None
    if not isinstance(identity, Identity) or not identity.is_authenticated:
        raise MatewayError(ErrorCode.UNAUTHENTICATED, "Sign in first")
    if not identity.user_id:
        raise MatewayError(ErrorCode.UNAUTHENTICATED, "Sign in first")
    return identity


@strawberry.type
class Query:
    """The ai app has no queries of its own; federation needs a Query type."""

    @strawberry.field(
        description="The most tool steps one reply may take.", directives=[signed_in()]
    )
    def ai_max_tool_steps(self) -> int:
        return current_runtime().settings.max_tool_steps


@strawberry.type
class Subscription:
    """Streamed replies."""

    @strawberry.subscription(
        description=(
            "A mate's answer to one of your messages: preprocessing, text deltas, tool calls, "
            "then the stored reply with its usage. Cancel with cancelReply. A chat that is not "
            "yours answers NOT_FOUND; no configured model answers AI_NOT_CONFIGURED."
        ),
        directives=skill_field_directives(MANIFEST, "aiChat"),
    )
    async def ai_chat(
        self, info: strawberry.Info, input: AiChatInput
    ) -> AsyncGenerator[AiChatEvent, None]:
        try:
            async for event in _reply_events(info, input):
                yield event
        except Exception as error:
            # Strawberry does not run the error formatter on subscription events: code here.
            raise format_graphql_error(GraphQLError(str(error), original_error=error)) from None


async def _reply_events(info: strawberry.Info, input: AiChatInput) -> AsyncIterator[AiChatEvent]:
    identity = _caller(info)
    runtime = current_runtime()
    assert identity.user_id is not None
    chats = chat_service(identity.user_id)
    context = await load_reply_context(
        chats, str(input.chat_id), str(input.message_id), runtime.settings.history_messages
    )

    def report(used: int, tokens: int) -> None:
        report_usage(info, used=used, tokens=tokens)

    reply = Reply(runtime, identity, chats, context, str(input.message_id), report)
    async for event in reply.events():
        yield event


schema = MatewaySchema(query=Query, subscription=Subscription, extensions=[CreditsReport])
