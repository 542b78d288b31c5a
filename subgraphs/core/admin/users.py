"""Users as admins see them: listing and search, disabling and enabling.

Search is by username prefix, or by exact email through its keyed lookup hash (emails are
stored only encrypted, so no other email search exists). A disabled user's Directus status
is `suspended`: login, refresh and API keys refuse anyone who is not `active`, and
disabling ends every session at once (refresh tokens, and access tokens through the
revocation list every router follows).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import strawberry

from shared.apps.directives import admin_only
from shared.credits import BalanceStore, Credits, Ledger
from shared.crypto.errors import DecryptionError
from shared.crypto.personal import PersonalField
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.accounts.hashing import email_hash
from subgraphs.core.accounts.service import AccountService
from subgraphs.core.accounts.usernames import normalise_username
from subgraphs.core.admin.access import offset_of, page_size
from subgraphs.core.invites import parse_time

logger = logging.getLogger("mateway.core.admin")
ACTIVE, DISABLED = "active", "suspended"
LISTED_FIELDS = [
    "id",
    "username",
    "status",
    "platform_role",
    "email_ciphertext",
    "display_name_ciphertext",
    "email_verified_at",
    "signed_up_at",
]


@strawberry.type(description="A user as platform admins see it.", directives=[admin_only()])
class AdminUser:
    id: strawberry.ID
    username: str
    email: str | None = strawberry.field(description="Decrypted for the admin.")
    display_name: str | None
    role: str = strawberry.field(description="user or admin.")
    status: str = strawberry.field(description="active, or suspended when disabled.")
    email_verified: bool
    created_at: datetime | None
    credits_balance: int


@strawberry.type(description="A page of users, by username.", directives=[admin_only()])
class AdminUserPage:
    users: list[AdminUser]
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
    has_next_page: bool


def _filter(accounts: AccountService, search: str | None) -> dict[str, Any]:
    """Only platform users (they have a username), narrowed by the search."""
    base: dict[str, Any] = {"username": {"_nnull": True}}
    text = (search or "").strip()
    if not text:
        return base
    if "@" in text:
        return {"_and": [base, {"email_hash": {"_eq": email_hash(accounts.key, text)}}]}
    return {"_and": [base, {"username": {"_starts_with": normalise_username(text)}}]}


async def list_users(
    accounts: AccountService, search: str | None, first: int | None, after: str | None
) -> AdminUserPage:
    """One page of users matching the search, each with decrypted email and balance."""
    size, offset = page_size(first), offset_of(after)
    rows = await accounts.directus.read_users(
        filter=_filter(accounts, search),
        fields=LISTED_FIELDS,
        sort=["username", "id"],
        limit=size + 1,  # one more tells whether a next page exists
        offset=offset,
    )
    credits = Credits(BalanceStore(accounts.redis), Ledger(accounts.directus))
    users = [await admin_user(accounts, row, credits) for row in rows[:size]]
    more = len(rows) > size
    return AdminUserPage(
        users=users, end_cursor=str(offset + size) if more else None, has_next_page=more
    )


async def admin_user(accounts: AccountService, row: dict[str, Any], credits: Credits) -> AdminUser:
    """The admin's view of a user row."""
    return AdminUser(
        id=strawberry.ID(str(row["id"])),
        username=str(row.get("username") or ""),
        email=_readable(accounts, row, PersonalField.EMAIL),
        display_name=_readable(accounts, row, PersonalField.DISPLAY_NAME),
        role=str(row.get("platform_role") or "user"),
        status=str(row.get("status") or ""),
        email_verified=bool(row.get("email_verified_at")),
        created_at=parse_time(row.get("signed_up_at")),
        credits_balance=await credits.balance(str(row["id"])),
    )


def _readable(accounts: AccountService, row: dict[str, Any], field: PersonalField) -> str | None:
    """The decrypted value; None (logged) when it does not open, so one bad row (moved, or
    written under another key) does not hide every other user from the admin."""
    try:
        return accounts.users.decrypt(row, field)
    except DecryptionError:
        logger.error("user %s: stored %s does not decrypt", row.get("id"), field.value)
        return None


async def set_status(
    accounts: AccountService, admin_id: str, user_id: str, status: str
) -> AdminUser:
    """Disable (ending every session now) or enable a user; the user as it is now."""
    if status == DISABLED and user_id == admin_id:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, "You cannot disable your own account")
    rows = await accounts.directus.read_users(
        filter={"_and": [{"id": {"_eq": user_id}}, {"username": {"_nnull": True}}]},
        fields=LISTED_FIELDS,
        limit=1,
    )
    if not rows:
        raise MatewayError(ErrorCode.NOT_FOUND, "No such user")
    if rows[0].get("status") != status:
        await accounts.users.update(user_id, {"status": status})
    if status == DISABLED:
        # Also when already disabled: a retried call must still end any session left.
        await accounts.end_sessions_of(user_id)
    credits = Credits(BalanceStore(accounts.redis), Ledger(accounts.directus))
    return await admin_user(accounts, {**rows[0], "status": status}, credits)
