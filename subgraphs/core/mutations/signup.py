"""Mutation `signup`: a new account from an invite code; emails a 6-digit code."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from subgraphs.core.accounts.signup import SignupRequest
from subgraphs.core.accounts.signup import signup as create_account
from subgraphs.core.accounts.types import SignupPayload
from subgraphs.core.mutations._inputs import (
    AccountInput,
    Code,
    Email,
    Name,
    Password,
    accounts,
    caller_ip,
    validated,
)


@strawberry.input(description="What a new account needs.")
class SignupInput:
    invite_code: str
    username: str
    email: str
    password: str


class SignupModel(AccountInput):
    invite_code: Code
    username: Name
    email: Email
    password: Password


async def signup(info: strawberry.Info, input: SignupInput) -> SignupPayload:
    """Validate, create the account with the invite, and email the confirmation code."""
    data = validated(
        SignupModel,
        invite_code=input.invite_code,
        username=input.username,
        email=input.email,
        password=input.password,
    )
    service = accounts(info)
    user_id = await create_account(
        service,
        SignupRequest(data.invite_code, data.username, data.email, data.password, caller_ip(info)),
    )
    seconds = service.settings.accounts.email_code_seconds
    return SignupPayload(user_id=strawberry.ID(user_id), email_code_expires_in=seconds)


field = strawberry.mutation(
    resolver=signup,
    description="Create an account with an invite code. Password: at least 12 characters, "
    "not a common one, not containing the username. A 6-digit code is emailed; confirm it "
    "with verifyEmailCode before logging in.",
    directives=[public()],
)
