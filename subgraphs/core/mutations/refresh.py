"""Mutation `refresh`: a new access token and a new refresh token for a live session."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from subgraphs.core.accounts.signin import refresh as rotate
from subgraphs.core.accounts.types import AuthPayload
from subgraphs.core.mutations._inputs import AccountInput, Token, accounts, validated


class RefreshModel(AccountInput):
    refresh_token: Token


async def refresh(info: strawberry.Info, refresh_token: str) -> AuthPayload:
    """Rotate the refresh token (the old one is spent)."""
    data = validated(RefreshModel, refresh_token=refresh_token)
    return AuthPayload.of(await rotate(accounts(info), data.refresh_token))


field = strawberry.mutation(
    resolver=refresh,
    description="Exchange a refresh token for new tokens. Each refresh token works once; "
    "presenting a spent one ends the whole session.",
    directives=[public()],
)
