"""Mutation `logout`: end the caller's session."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from subgraphs.core.accounts.caller import caller_identity
from subgraphs.core.accounts.signin import logout as sign_out
from subgraphs.core.mutations._inputs import AccountInput, Token, accounts, validated


class LogoutModel(AccountInput):
    refresh_token: Token | None = None


async def logout(info: strawberry.Info, refresh_token: str | None = None) -> bool:
    """Revokes the signed-in session and/or the refresh token's session; always true."""
    data = validated(LogoutModel, refresh_token=refresh_token)
    await sign_out(accounts(info), caller_identity(info.context), data.refresh_token)
    return True


field = strawberry.mutation(
    resolver=logout,
    description="End the session: of the access token used, and of `refreshToken` if given "
    "(so a client whose access token expired can still log out).",
    directives=[public()],
)
