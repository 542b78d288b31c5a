"""Entities of the core app. Fields beyond the key wait for identity (issue 4): every one
of them is personal data that only its owner (or an admin) may read, which needs `@auth`.
"""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.core.context import request_scope


# @auth: signed-in callers only; owner-only checks (NOT_FOUND for others) live in resolvers.
@strawberry.federation.type(
    keys=["id"], description="A person with an account.", directives=[signed_in()]
)
class User:
    id: strawberry.ID

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> User | None:
        """Entity lookup through the request's users loader; unknown ids resolve to null."""
        row = await request_scope(info.context).loaders["directus_users"].load(str(id))
        return cls(id=strawberry.ID(str(row["id"]))) if row else None


@strawberry.federation.type(
    keys=["id"],
    description="A conversation between a user and mates.",
    directives=[signed_in("chats:read")],
)
class Chat:
    id: strawberry.ID

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Chat | None:
        """Entity lookup through the request's chats loader; unknown ids resolve to null."""
        row = await request_scope(info.context).loaders["chats"].load(str(id))
        return cls(id=strawberry.ID(str(row["id"]))) if row else None
