"""The admin queries of the core schema: `adminUsers` and `invites`."""

from __future__ import annotations

import strawberry

from shared.apps.directives import admin_only
from subgraphs.core.admin.access import require_admin
from subgraphs.core.admin.invites import InvitePage, list_invites
from subgraphs.core.admin.users import AdminUserPage, list_users
from subgraphs.core.context import request_scope
from subgraphs.core.invites import utc_now


async def admin_users(
    info: strawberry.Info,
    search: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> AdminUserPage:
    """Users by username; `search` is a username prefix, or an exact email."""
    require_admin(info.context)
    accounts = request_scope(info.context).service.accounts()
    return await list_users(accounts, search, first, after)


async def invites(
    info: strawberry.Info, first: int | None = None, after: str | None = None
) -> InvitePage:
    """Invite records, newest first (codes are never stored, so never listed)."""
    require_admin(info.context)
    service = request_scope(info.context).service
    return await list_invites(service.directus(), utc_now(), first, after)


admin_users_field = strawberry.field(
    resolver=admin_users,
    description="Platform users for admins: search by username prefix or exact email.",
    directives=[admin_only()],
)
invites_field = strawberry.field(
    resolver=invites,
    description="Invite codes' records for admins, newest first (without the codes).",
    directives=[admin_only()],
)
