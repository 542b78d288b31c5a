"""Invite codes: generated here, shown once, stored in Directus only as a keyed hash.

A code is 4 groups of 6 base32 characters (120 random bits), e.g. `K7QX2M-...`. Directus
keeps `HMAC-SHA256(invite key, normalised code)`, so neither a database dump nor Directus's
revisions hold a usable code, and without the server's key a dump cannot be brute-forced.

The first-run admin invite (`python -m subgraphs.core.invites first-run`, called by
`start-server.sh`) is created only while there is no platform admin and no usable admin
invite; `--reissue` revokes the unused one and prints a new code.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from shared.directus.client import DirectusClient, Item
from shared.directus.errors import DirectusError
from shared.errors import MatewayError

INVITES = "invite_codes"
USERS = "directus_users"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 base32: no 0/O or 1/I to confuse
GROUPS, GROUP_LENGTH = 4, 6
# Longer input is not a code; refusing it early keeps hashing cheap for hostile callers.
MAX_CODE_INPUT = 128

ADMIN_EXISTS = "a platform admin already exists; admins create further invites"
UNUSED_INVITE = (
    "an unused first-admin invite code already exists (it cannot be shown again; "
    "`python -m subgraphs.core.invites first-run --reissue` replaces it)"
)


def generate_code() -> str:
    """A fresh high-entropy invite code, in groups for reading aloud and typing."""
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join(groups)


def normalise_code(code: str) -> str:
    """The code as hashed: upper case, without the spaces and hyphens people type."""
    return "".join(code.split()).replace("-", "").upper()


def hash_code(key: bytes, code: str) -> str:
    """The keyed hash stored for a code (hex HMAC-SHA256 of its normalised form)."""
    return hmac.new(key, normalise_code(code).encode(), sha256).hexdigest()


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def parse_time(value: Any) -> datetime | None:
    """A Directus timestamp as an aware datetime (naive ones are UTC); None when empty."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def is_usable(invite: Item, now: datetime) -> bool:
    """True when an invite has uses left and has not expired (or been revoked)."""
    expires = parse_time(invite.get("expires_at"))
    if expires is not None and expires <= now:
        return False
    return int(invite.get("uses") or 0) < int(invite.get("max_uses") or 0)


@dataclass(frozen=True)
class FirstRunOutcome:
    """What `ensure_first_admin_invite` did: a new code (shown this once) or why none."""

    created: bool
    code: str | None = None
    reason: str | None = None
    revoked: int = 0

    def as_json(self) -> dict[str, Any]:
        """The JSON line the first-run command prints."""
        if self.created:
            return {"created": True, "code": self.code, "revoked": self.revoked}
        return {"created": False, "reason": self.reason}


class InviteStore:
    """Invite codes in Directus, addressed by the keyed hash of the code."""

    def __init__(
        self, client: DirectusClient, key: bytes, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._client = client
        self._key = key
        self._clock = clock

    async def create(
        self,
        *,
        makes_admin: bool = False,
        max_uses: int = 1,
        expires_at: datetime | None = None,
        created_by: str | None = None,
    ) -> tuple[str, Item]:
        """Store a new invite; return its plain code (never stored) and its row."""
        code = generate_code()
        row = await self._client.create_item(
            INVITES,
            {
                "code_hash": hash_code(self._key, code),
                "makes_admin": makes_admin,
                "max_uses": max_uses,
                "uses": 0,
                "expires_at": expires_at.isoformat() if expires_at else None,
                "created_by": created_by,
            },
        )
        return code, row

    async def find(self, code: str) -> Item | None:
        """The invite row of a plain code, or None (unknown or malformed code)."""
        if len(code) > MAX_CODE_INPUT:
            return None
        wanted = hash_code(self._key, code)
        rows = await self._client.read_items(
            INVITES, filter={"code_hash": {"_eq": wanted}}, limit=1
        )
        # Constant-time check as well, so the answer never hinges on a database comparison.
        if rows and hmac.compare_digest(str(rows[0].get("code_hash", "")), wanted):
            return rows[0]
        return None

    async def is_valid(self, code: str) -> bool:
        """True for a known code with uses left that has not expired; False otherwise."""
        invite = await self.find(code)
        return invite is not None and is_usable(invite, self._clock())

    async def admin_exists(self) -> bool:
        """True when some user is a platform admin."""
        rows = await self._client.read_items(
            USERS, filter={"platform_role": {"_eq": "admin"}}, fields=["id"], limit=1
        )
        return bool(rows)

    async def usable_admin_invites(self) -> list[Item]:
        """Admin invites that could still be used."""
        rows = await self._client.read_items(
            INVITES,
            filter={"makes_admin": {"_eq": True}},
            fields=["id", "uses", "max_uses", "expires_at"],
            limit=-1,
        )
        now = self._clock()
        return [row for row in rows if is_usable(row, now)]

    async def revoke(self, invite_id: str) -> None:
        """Make an invite unusable by ending it now (its row stays, as a record)."""
        ended = {"expires_at": self._clock().isoformat()}
        await self._client.update_item(INVITES, invite_id, ended)

    async def ensure_first_admin_invite(self, *, reissue: bool = False) -> FirstRunOutcome:
        """Create the single-use admin invite unless an admin or a usable one exists.

        With `reissue`, usable admin invites are revoked first and a new code is made (still
        not once an admin exists: from then on, admins make invites).
        """
        if await self.admin_exists():
            return FirstRunOutcome(False, reason=ADMIN_EXISTS)
        usable = await self.usable_admin_invites()
        if usable and not reissue:
            return FirstRunOutcome(False, reason=UNUSED_INVITE)
        for invite in usable:
            await self.revoke(str(invite["id"]))
        code, _ = await self.create(makes_admin=True, max_uses=1)
        return FirstRunOutcome(True, code=code, revoked=len(usable))


async def first_run(reissue: bool) -> FirstRunOutcome:
    """`first-run` with the core settings (environment, `.env`, the Directus data folder)."""
    from subgraphs.core.settings import CoreSettings

    settings = CoreSettings.load()
    key = settings.invite_key()
    async with DirectusClient.from_settings(settings) as client:
        return await InviteStore(client, key).ensure_first_admin_invite(reissue=reissue)


def main(argv: list[str] | None = None) -> int:
    """Command line: prints one JSON line, `{"created": true, "code": ...}` or a reason."""
    parser = argparse.ArgumentParser(prog="python -m subgraphs.core.invites")
    commands = parser.add_subparsers(dest="command", required=True)
    first = commands.add_parser("first-run", help="create the first admin's invite code once")
    first.add_argument(
        "--reissue", action="store_true", help="revoke the unused first-admin code, make a new one"
    )
    args = parser.parse_args(argv)
    try:
        outcome = asyncio.run(first_run(args.reissue))
    except (MatewayError, DirectusError) as exc:
        hint = " (set MATEWAY_INVITE_HASH_KEY)" if "not configured" in str(exc) else ""
        print(json.dumps({"created": False, "reason": f"error: {exc}{hint}"}))
        return 1
    print(json.dumps(outcome.as_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
