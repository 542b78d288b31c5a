"""Query `checkUsernameValid`: whether a username can be chosen, with the reason if not."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from subgraphs.core.accounts.signup import username_check
from subgraphs.core.accounts.types import UsernameCheck
from subgraphs.core.mutations._inputs import accounts


async def check_username_valid(info: strawberry.Info, username: str) -> UsernameCheck:
    """Form rules first (cheap), then whether another account has it (any case)."""
    problem = await username_check(accounts(info), username[:256])
    return UsernameCheck(valid=problem is None, message=problem)


field = strawberry.field(
    resolver=check_username_valid,
    description="Whether a username can be chosen: 3-30 letters, digits, _ or -, not taken "
    "(case-insensitive). `message` says why not.",
    directives=[public()],
)
