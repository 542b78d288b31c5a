"""The credits fields of the core schema, over shared.credits (Redis balance, Directus ledger)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from shared.apps.directives import admin_only, signed_in
from shared.credits import BalanceStore, Credits, Ledger
from shared.errors import ErrorCode, MatewayError
from shared.identity import Identity, Role
from subgraphs.core.accounts.caller import caller_identity
from subgraphs.core.context import request_scope

READ_SCOPE = "credits:read"
MAX_PAGE = 100
MAX_GRANT = 1_000_000_000


@strawberry.type(description="One credit movement of the ledger.", directives=[signed_in()])
class UsageRecord:
    id: strawberry.ID
    kind: str = strawberry.field(description="settle, grant or purchase.")
    skill: str = strawberry.field(description="The charged field (or grant, purchase).")
    credits: int = strawberry.field(description="Signed: charges are negative.")
    tokens: int | None
    status: str | None
    reason: str | None
    request_id: str
    created_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> UsageRecord:
        """The type from a `usage` row."""
        created = row.get("date_created")
        return cls(
            id=strawberry.ID(str(row["id"])),
            kind=str(row.get("kind") or "settle"),
            skill=str(row.get("skill") or ""),
            credits=int(row["credits"]),
            tokens=row.get("tokens"),
            status=row.get("status"),
            reason=row.get("reason"),
            request_id=str(row["request_id"]),
            created_at=datetime.fromisoformat(str(created).replace("Z", "+00:00"))
            if created
            else None,
        )


@strawberry.type(description="A page of the ledger, newest first.", directives=[signed_in()])
class UsagePage:
    records: list[UsageRecord]
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
    has_next_page: bool


def credits_of(info: strawberry.Info) -> Credits:
    """The credits of this request's service (clients of the running loop)."""
    service = request_scope(info.context).service
    return Credits(BalanceStore(service.redis()), Ledger(service.directus()))


def _user(identity: Identity) -> str:
    if not identity.is_authenticated or not identity.user_id:
        raise MatewayError(ErrorCode.UNAUTHENTICATED, "Sign in first")
    return identity.user_id


def _cursor(after: str | None) -> int | None:
    if after is None:
        return None
    if not after.isdigit():
        raise MatewayError(ErrorCode.BAD_USER_INPUT, "Unknown cursor")
    return int(after)


async def credit_balance(info: strawberry.Info) -> int:
    """The caller's credits (an API key: its owner's), less nothing reserved."""
    return await credits_of(info).balance(_user(caller_identity(info.context)))


async def usage_history(
    info: strawberry.Info,
    first: int = 20,
    after: str | None = None,
    user_id: strawberry.ID | None = None,
) -> UsagePage:
    """The caller's ledger, newest first; admins may read another user's."""
    identity = caller_identity(info.context)
    user = _user(identity)
    if user_id is not None and str(user_id) != user:
        if identity.role is not Role.ADMIN:
            raise MatewayError(ErrorCode.FORBIDDEN, "Only admins may read another user's usage")
        user = str(user_id)
    if not 1 <= first <= MAX_PAGE:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, f"first must be 1 to {MAX_PAGE}")
    page = await credits_of(info).ledger.page(user, first, _cursor(after))
    records = [UsageRecord.from_row(row) for row in page.rows]
    end = records[-1].id if records else None
    return UsagePage(records=records, end_cursor=end, has_next_page=page.has_next)


async def grant_credits(
    info: strawberry.Info, user_id: strawberry.ID, amount: int, reason: str
) -> int:
    """Adds credits to a user (a ledger row, then the balance); answers the new balance."""
    admin = caller_identity(info.context)
    if admin.role is not Role.ADMIN:
        raise MatewayError(ErrorCode.FORBIDDEN, "Only admins may grant credits")
    if not 0 < amount <= MAX_GRANT:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, f"amount must be 1 to {MAX_GRANT}")
    reason = reason.strip()
    if not reason or len(reason) > 255:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, "reason must be 1 to 255 characters")
    target = (
        await request_scope(info.context).service.directus().read_user(str(user_id), fields=["id"])
    )
    if target is None:
        raise MatewayError(ErrorCode.NOT_FOUND, "No such user")
    return await credits_of(info).grant(str(user_id), amount, f"{reason} (by {admin.user_id})")


credit_balance_field = strawberry.field(
    resolver=credit_balance,
    description="The caller's credit balance (an API key's: its owner's).",
    directives=[signed_in(READ_SCOPE)],
)
usage_history_field = strawberry.field(
    resolver=usage_history,
    description="The caller's credit ledger, newest first; `userId` is for admins.",
    directives=[signed_in(READ_SCOPE)],
)
grant_credits_field = strawberry.mutation(
    resolver=grant_credits,
    description="Adds credits to a user's balance, recorded in the ledger. Admins only.",
    directives=[admin_only()],
)
