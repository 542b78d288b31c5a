"""Mutation `resendEmailCode`: a fresh code for an unconfirmed address."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from subgraphs.core.accounts.signup import resend_email_code as resend
from subgraphs.core.mutations._inputs import AccountInput, Email, accounts, validated


class ResendModel(AccountInput):
    email: Email


async def resend_email_code(info: strawberry.Info, email: str) -> bool:
    """Always true, so the answer does not tell whether the address has an account."""
    data = validated(ResendModel, email=email)
    await resend(accounts(info), data.email)
    return True


field = strawberry.mutation(
    resolver=resend_email_code,
    description="Email a new code to an address whose account is not confirmed yet. Always "
    "answers true.",
    directives=[public()],
)
