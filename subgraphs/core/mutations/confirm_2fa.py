"""Mutation `confirm2fa`: turn 2FA on with a code from the app; returns 10 backup codes."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.core.accounts.caller import signed_in_user
from subgraphs.core.accounts.twofactor import confirm
from subgraphs.core.accounts.types import TwoFactorConfirmation
from subgraphs.core.mutations._inputs import AccountInput, Code, accounts, caller_ip, validated


class ConfirmModel(AccountInput):
    code: Code


async def confirm_2fa(info: strawberry.Info, code: str) -> TwoFactorConfirmation:
    """Check the code (throttled) and switch 2FA on."""
    identity = signed_in_user(info.context)
    data = validated(ConfirmModel, code=code)
    codes = await confirm(accounts(info), str(identity.user_id), data.code, caller_ip(info))
    return TwoFactorConfirmation(backup_codes=codes)


field = strawberry.mutation(
    resolver=confirm_2fa,
    name="confirm2fa",
    description="Turn two-factor authentication on with a code from the app. Answers 10 "
    "single-use backup codes, shown only this once.",
    directives=[signed_in()],
)
