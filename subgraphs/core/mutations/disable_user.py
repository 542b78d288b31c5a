"""Mutation `disableUser`: an admin suspends a user and ends every session of theirs now."""

from __future__ import annotations

import strawberry

from shared.apps.directives import admin_only
from subgraphs.core.admin.access import require_admin, uuid_arg
from subgraphs.core.admin.users import DISABLED, AdminUser, set_status
from subgraphs.core.context import request_scope


async def disable_user(info: strawberry.Info, user_id: strawberry.ID) -> AdminUser:
    """Disables the user (not oneself); NOT_FOUND for unknown ids."""
    admin = require_admin(info.context)
    assert admin.user_id is not None
    accounts = request_scope(info.context).service.accounts()
    return await set_status(accounts, admin.user_id, uuid_arg(user_id, "user"), DISABLED)


field = strawberry.mutation(
    resolver=disable_user,
    description="Disable a user: their tokens and API keys are refused from the next request, "
    "and they cannot sign in until enabled. Admins cannot disable themselves.",
    directives=[admin_only()],
)
