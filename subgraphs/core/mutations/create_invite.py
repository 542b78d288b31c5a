"""Mutation `createInvite`: an admin makes an invite code, shown once."""

from __future__ import annotations

from datetime import datetime

import strawberry

from shared.apps.directives import admin_only
from subgraphs.core.admin.access import require_admin
from subgraphs.core.admin.invites import CreatedInvite, create_invite
from subgraphs.core.context import request_scope
from subgraphs.core.invites import utc_now


@strawberry.input(description="How often and until when the invite can be used.")
class CreateInviteInput:
    max_uses: int = 1
    expires_at: datetime | None = None
    makes_admin: bool = strawberry.field(
        default=False, description="Must be false: admin invites are only for the first admin."
    )


async def create_invite_resolver(
    info: strawberry.Info, input: CreateInviteInput | None = None
) -> CreatedInvite:
    """A new invite for normal users; the code is in the answer only."""
    admin = require_admin(info.context)
    assert admin.user_id is not None
    given = input or CreateInviteInput()
    store = request_scope(info.context).service.invites()
    return await create_invite(
        store, utc_now(), admin.user_id, given.max_uses, given.expires_at, given.makes_admin
    )


field = strawberry.mutation(
    resolver=create_invite_resolver,
    description="Create an invite code (normal users; maxUses, optional expiry). The code is "
    "returned once: only its keyed hash is stored.",
    directives=[admin_only()],
)
