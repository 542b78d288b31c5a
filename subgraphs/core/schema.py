"""The core app's federation schema."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from shared.errors import MatewaySchema
from subgraphs.core.context import request_scope
from subgraphs.core.types import Chat, User


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "True when the invite code can be used to sign up. Unknown, used up, expired "
            "and revoked codes all answer false."
        ),
        directives=[public()],  # asked before signing up
    )
    async def check_invite_token_valid(self, info: strawberry.Info, token: str) -> bool:
        return await request_scope(info.context).service.invites().is_valid(token)


schema = MatewaySchema(query=Query, types=[User, Chat])
