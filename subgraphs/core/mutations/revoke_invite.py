"""Mutation `revokeInvite`: an admin ends an invite now (its record stays)."""

from __future__ import annotations

import strawberry

from shared.apps.directives import admin_only
from subgraphs.core.admin.access import require_admin, uuid_arg
from subgraphs.core.admin.invites import Invite, revoke_invite
from subgraphs.core.context import request_scope
from subgraphs.core.invites import utc_now


async def revoke_invite_resolver(info: strawberry.Info, id: strawberry.ID) -> Invite:
    """Ends the invite; NOT_FOUND for unknown ids."""
    require_admin(info.context)
    service = request_scope(info.context).service
    invite_id = uuid_arg(id, "invite")
    return await revoke_invite(service.invites(), service.directus(), utc_now(), invite_id)


field = strawberry.mutation(
    resolver=revoke_invite_resolver,
    description="Revoke an invite code: it can no longer be used to sign up.",
    directives=[admin_only()],
)
