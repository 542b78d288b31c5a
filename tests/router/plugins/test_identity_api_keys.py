"""API keys at the router without a database: rows to identities, and Directus being down."""

from __future__ import annotations

from typing import Any

import pytest

from router.pipeline import GraphQLRequest, RequestContext, RequestError
from router.plugins._api_key_lookup import ApiKeyLookup, identity_of_row
from router.plugins.identity import IdentityEdge
from shared.identity import CallerKind, Role
from tests.support.identity import signing_keys

KEY = "mw_abcdefgh_" + "B" * 43


def _row(**changes: Any) -> dict[str, Any]:
    user = {"id": "u1", "platform_role": "user", "status": "active"}
    row: dict[str, Any] = {"id": "k1", "scopes": ["chats:read"], "revoked_at": None, "user": user}
    for name, value in changes.items():
        if name in user:
            user[name] = value
        else:
            row[name] = value
    return row


def test_a_key_row_is_an_api_key_identity_with_its_scopes() -> None:
    identity = identity_of_row(_row())
    assert identity is not None
    assert (identity.kind, identity.role, identity.user_id) == (CallerKind.API_KEY, Role.USER, "u1")
    assert (identity.api_key_id, identity.scopes) == ("k1", frozenset({"chats:read"}))


def test_an_admins_key_is_capped_at_user() -> None:
    identity = identity_of_row(_row(platform_role="admin"))
    assert identity is not None and identity.role is Role.USER


@pytest.mark.parametrize(
    "row",
    [None, _row(revoked_at="2026-01-01T00:00:00Z"), _row(status="suspended"), _row(user=None)],
)
def test_revoked_keys_and_keys_of_inactive_users_are_no_identity(
    row: dict[str, Any] | None,
) -> None:
    assert identity_of_row(row) is None


async def test_database_down_is_503_not_a_refusal_nor_a_crash() -> None:
    async def fetch(key_hash: str) -> dict[str, Any] | None:
        raise ConnectionError("directus is down")

    edge = IdentityEdge(signing_keys(), ApiKeyLookup(signing_keys(), fetch), redis=None)
    ctx = RequestContext(GraphQLRequest("{ x }"), headers={"authorization": f"Bearer {KEY}"})
    with pytest.raises(RequestError) as caught:
        await edge.identify(ctx)
    assert caught.value.status == 503
    assert caught.value.errors[0]["extensions"]["code"] == "UNAVAILABLE"
