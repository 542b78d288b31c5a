"""Mutation `login`: password (and TOTP or a backup code when 2FA is on) to tokens."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from subgraphs.core.accounts.signin import LoginRequest
from subgraphs.core.accounts.signin import login as sign_in
from subgraphs.core.accounts.types import AuthPayload
from subgraphs.core.mutations._inputs import (
    AccountInput,
    Code,
    Name,
    Password,
    accounts,
    caller_agent,
    caller_ip,
    validated,
)


@strawberry.input(description="Credentials; a second factor when the account has 2FA on.")
class LoginInput:
    username_or_email: str
    password: str
    totp_code: str | None = None
    backup_code: str | None = None


class LoginModel(AccountInput):
    username_or_email: Name
    password: Password
    totp_code: Code | None = None
    backup_code: Code | None = None


async def login(info: strawberry.Info, input: LoginInput) -> AuthPayload:
    """Throttled per account and per IP; TOO_MANY_ATTEMPTS with retryAfter when locked."""
    data = validated(
        LoginModel,
        username_or_email=input.username_or_email,
        password=input.password,
        totp_code=input.totp_code,
        backup_code=input.backup_code,
    )
    request = LoginRequest(data.username_or_email, data.password, data.totp_code, data.backup_code)
    tokens = await sign_in(accounts(info), request, caller_ip(info), caller_agent(info))
    return AuthPayload.of(tokens)


field = strawberry.mutation(
    resolver=login,
    description="Sign in. Wrong credentials answer UNAUTHENTICATED; repeated failures lock "
    "the account and the IP for a while (TOO_MANY_ATTEMPTS, extensions.retryAfter).",
    directives=[public()],
)
