"""Mutation `enableUser`: an admin lets a disabled user sign in again."""

from __future__ import annotations

import strawberry

from shared.apps.directives import admin_only
from subgraphs.core.admin.access import require_admin, uuid_arg
from subgraphs.core.admin.users import ACTIVE, AdminUser, set_status
from subgraphs.core.context import request_scope


async def enable_user(info: strawberry.Info, user_id: strawberry.ID) -> AdminUser:
    """Enables the user (sessions ended by disabling stay ended); NOT_FOUND for unknown ids."""
    admin = require_admin(info.context)
    assert admin.user_id is not None
    accounts = request_scope(info.context).service.accounts()
    return await set_status(accounts, admin.user_id, uuid_arg(user_id, "user"), ACTIVE)


field = strawberry.mutation(
    resolver=enable_user,
    description="Enable a disabled user: they can sign in again.",
    directives=[admin_only()],
)
