"""Mutation `resetPassword`: a new password with the emailed token; every session ends."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from subgraphs.core.accounts.recovery import reset_password as reset
from subgraphs.core.mutations._inputs import AccountInput, Password, Token, accounts, validated


class ResetModel(AccountInput):
    token: Token
    new_password: Password


async def reset_password(info: strawberry.Info, token: str, new_password: str) -> bool:
    """INVALID_CODE for an unknown, used or expired token; BAD_USER_INPUT for a weak password."""
    data = validated(ResetModel, token=token, new_password=new_password)
    await reset(accounts(info), data.token, data.new_password)
    return True


field = strawberry.mutation(
    resolver=reset_password,
    description="Set a new password with the token from the reset email. Signs out every "
    "session of the account.",
    directives=[public()],
)
