"""Mutation `verifyEmailCode`: confirm an email address with the emailed code."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from subgraphs.core.accounts.signup import verify_email_code as verify
from subgraphs.core.mutations._inputs import AccountInput, Code, Email, accounts, validated


class VerifyModel(AccountInput):
    email: Email
    code: Code


async def verify_email_code(info: strawberry.Info, email: str, code: str) -> bool:
    """True when confirmed; INVALID_CODE, CODE_EXPIRED or TOO_MANY_ATTEMPTS otherwise."""
    data = validated(VerifyModel, email=email, code=code)
    await verify(accounts(info), data.email, data.code)
    return True


field = strawberry.mutation(
    resolver=verify_email_code,
    description="Confirm an email address with the 6-digit code (10 minutes, 5 attempts).",
    directives=[public()],
)
