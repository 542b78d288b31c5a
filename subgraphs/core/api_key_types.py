"""GraphQL side of API keys: the `ApiKey` type, the `apiKeys` query and the request's store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from shared.apps.directives import session_only, signed_in
from shared.auth.keys import keys_from_settings
from shared.errors import ErrorCode, MatewayError
from shared.identity import CallerKind, Identity
from subgraphs.core.accounts.caller import caller_identity
from subgraphs.core.api_keys import ApiKeyStore
from subgraphs.core.context import request_scope


@strawberry.type(
    description="An API key of the caller; the key itself is shown only once.",
    directives=[signed_in()],
)
class ApiKey:
    id: strawberry.ID
    name: str
    prefix: str = strawberry.field(description="Shown as `mw_<prefix>_…` to tell keys apart.")
    scopes: list[str]
    created_at: datetime | None
    last_used_at: datetime | None = strawberry.field(description="Updated at most once a minute.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApiKey:
        """The type from a listed api_keys row."""
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=str(row.get("name") or ""),
            prefix=str(row["prefix"]),
            scopes=[str(scope) for scope in row.get("scopes") or []],
            created_at=_when(row.get("date_created")),
            last_used_at=_when(row.get("last_used_at")),
        )


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def key_owner(info: strawberry.Info) -> Identity:
    """The caller, who must be signed in with a session: an API key cannot manage keys."""
    identity = caller_identity(info.context)
    if identity.kind is CallerKind.API_KEY:
        # A leaked key must not be able to mint more keys or revoke its owner's others.
        raise MatewayError(ErrorCode.FORBIDDEN, "API keys cannot manage API keys; sign in")
    if identity.kind is not CallerKind.USER or not identity.user_id:
        raise MatewayError(ErrorCode.UNAUTHENTICATED, "Sign in to manage API keys")
    return identity


def api_key_store(info: strawberry.Info) -> ApiKeyStore:
    """The API key store of this request."""
    service = request_scope(info.context).service
    return ApiKeyStore(service.directus(), keys_from_settings(service.settings), service.redis())


async def api_keys(info: strawberry.Info) -> list[ApiKey]:
    """The caller's API keys that are not revoked, newest first."""
    owner = key_owner(info)
    assert owner.user_id is not None
    return [ApiKey.from_row(row) for row in await api_key_store(info).list(owner.user_id)]


api_keys_field = strawberry.field(
    resolver=api_keys,
    description="Your API keys (not revoked), newest first; never the keys themselves.",
    directives=[session_only()],  # key_owner refuses API keys
)
