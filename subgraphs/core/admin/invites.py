"""Invite codes as admins manage them: create (the code shown once), list, revoke.

Codes are stored only as keyed hashes (subgraphs/core/invites.py), so listings never hold
one. Every invite an admin makes creates normal users: admin invites exist only for the
first admin (`first-run`), and sign-up makes a user from them once an admin exists anyway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from shared.apps.directives import admin_only
from shared.directus.client import DirectusClient
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.admin.access import offset_of, page_size
from subgraphs.core.invites import INVITES, InviteStore, is_usable, parse_time

MAX_USES = 1000
LISTED_FIELDS = ["id", "uses", "max_uses", "expires_at", "makes_admin", "date_created"]


@strawberry.type(description="An invite code's record (never the code).", directives=[admin_only()])
class Invite:
    id: strawberry.ID
    uses: int
    max_uses: int
    expires_at: datetime | None = strawberry.field(description="Revoked invites end when revoked.")
    makes_admin: bool
    usable: bool = strawberry.field(description="Uses left and not expired or revoked.")
    created_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any], now: datetime) -> Invite:
        """The type from an invite_codes row."""
        return cls(
            id=strawberry.ID(str(row["id"])),
            uses=int(row.get("uses") or 0),
            max_uses=int(row.get("max_uses") or 0),
            expires_at=parse_time(row.get("expires_at")),
            makes_admin=bool(row.get("makes_admin")),
            usable=is_usable(row, now),
            created_at=parse_time(row.get("date_created")),
        )


@strawberry.type(description="A page of invites, newest first.", directives=[admin_only()])
class InvitePage:
    invites: list[Invite]
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
    has_next_page: bool


@strawberry.type(
    description="A new invite: `code` is shown this once and never again.",
    directives=[admin_only()],
)
class CreatedInvite:
    code: str
    invite: Invite


async def create_invite(
    store: InviteStore,
    now: datetime,
    admin_id: str,
    max_uses: int,
    expires_at: datetime | None,
    makes_admin: bool,
) -> CreatedInvite:
    """A new invite making normal users; BAD_USER_INPUT for admin, used-up or past invites."""
    if makes_admin:
        raise MatewayError(
            ErrorCode.BAD_USER_INPUT,
            "Invites make normal users; an admin invite exists only for the first admin",
        )
    if not 1 <= max_uses <= MAX_USES:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, f"maxUses must be 1 to {MAX_USES}")
    if expires_at is not None and expires_at.tzinfo is None:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, "expiresAt needs a time zone")
    if expires_at is not None and expires_at <= now:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, "expiresAt must be in the future")
    code, row = await store.create(max_uses=max_uses, expires_at=expires_at, created_by=admin_id)
    return CreatedInvite(code=code, invite=Invite.from_row(row, now))


async def list_invites(
    client: DirectusClient, now: datetime, first: int | None, after: str | None
) -> InvitePage:
    """One page of invites, newest first."""
    size, offset = page_size(first), offset_of(after)
    rows = await client.read_items(
        INVITES, fields=LISTED_FIELDS, sort=["-date_created", "id"], limit=size + 1, offset=offset
    )
    more = len(rows) > size
    return InvitePage(
        invites=[Invite.from_row(row, now) for row in rows[:size]],
        end_cursor=str(offset + size) if more else None,
        has_next_page=more,
    )


async def revoke_invite(
    store: InviteStore, client: DirectusClient, now: datetime, invite_id: str
) -> Invite:
    """Ends an invite now (idempotent: an ended one keeps its end); NOT_FOUND when unknown."""
    row = await client.read_item(INVITES, invite_id, fields=LISTED_FIELDS)
    if row is None:
        raise MatewayError(ErrorCode.NOT_FOUND, "No such invite")
    if is_usable({**row, "uses": 0, "max_uses": 1}, now):  # not yet ended
        await store.revoke(invite_id)
        row = {**row, "expires_at": now.isoformat()}
    return Invite.from_row(row, now)
