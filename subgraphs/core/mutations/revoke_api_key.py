"""Mutation `revokeApiKey`: revoke one of the caller's API keys, effective at once."""

from __future__ import annotations

import uuid

import strawberry

from shared.apps.directives import session_only
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.api_key_types import api_key_store, key_owner


async def revoke_api_key(info: strawberry.Info, id: strawberry.ID) -> bool:
    """Revokes the key; NOT_FOUND for unknown keys and keys of other users."""
    owner = key_owner(info)
    assert owner.user_id is not None
    try:
        key_id = str(uuid.UUID(str(id)))
    except ValueError:
        raise MatewayError(ErrorCode.NOT_FOUND, "No such API key") from None
    await api_key_store(info).revoke(owner.user_id, key_id)
    return True


field = strawberry.mutation(
    resolver=revoke_api_key,
    description="Revoke one of your API keys; every router refuses it from the next request.",
    directives=[session_only()],  # key_owner refuses API keys
)
