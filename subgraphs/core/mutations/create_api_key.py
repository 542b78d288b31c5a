"""Mutation `createApiKey`: a new API key for the signed-in caller, shown once."""

from __future__ import annotations

import strawberry

from shared.apps.directives import session_only, signed_in
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.api_key_types import ApiKey, api_key_store, key_owner

MAX_SCOPES = 50


@strawberry.input(description="A name to recognise the key by, and what it may do.")
class CreateApiKeyInput:
    name: str
    scopes: list[str] = strawberry.field(
        description="chats:read, chats:write, mates:read, credits:read, skills:<app>."
    )


@strawberry.type(
    description="The new key: `key` is shown this once and never again.",
    directives=[signed_in()],
)
class CreatedApiKey:
    key: str
    api_key: ApiKey


async def create_api_key(info: strawberry.Info, input: CreateApiKeyInput) -> CreatedApiKey:
    """Creates a key with the given scopes (validated against the known ones)."""
    owner = key_owner(info)
    assert owner.user_id is not None
    if len(input.scopes) > MAX_SCOPES:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, f"At most {MAX_SCOPES} scopes")
    key, row = await api_key_store(info).create(owner.user_id, input.name, list(input.scopes))
    return CreatedApiKey(key=key, api_key=ApiKey.from_row(row))


field = strawberry.mutation(
    resolver=create_api_key,
    description="Create an API key (`Authorization: Bearer mw_…`). Its role is yours capped "
    "at user; it may do only what its scopes allow. The key is returned once.",
    directives=[session_only()],  # key_owner refuses API keys
)
