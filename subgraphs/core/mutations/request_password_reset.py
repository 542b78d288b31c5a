"""Mutation `requestPasswordReset`: email a single-use reset link (always the same answer)."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from subgraphs.core.accounts.recovery import request_reset
from subgraphs.core.mutations._inputs import AccountInput, Email, accounts, validated


class ResetRequestModel(AccountInput):
    email: Email


async def request_password_reset(info: strawberry.Info, email: str) -> bool:
    """Always true, whether or not the address has an account."""
    data = validated(ResetRequestModel, email=email)
    await request_reset(accounts(info), data.email)
    return True


field = strawberry.mutation(
    resolver=request_password_reset,
    description="Email a password reset link (single use, 30 minutes) if the address has an "
    "account. Always answers true.",
    directives=[public()],
)
