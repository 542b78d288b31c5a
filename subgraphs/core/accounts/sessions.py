"""Refresh tokens and sessions: opaque random tokens, stored hashed, rotated on every use.

One sign-in is a family (its id is the `sid` of access tokens); each refresh token is one
row of `sessions`. Refreshing marks the presented row rotated and adds a row for the new
token. Presenting a token that was already rotated is reuse (a stolen copy, or the thief
was first): the whole family is revoked. "Already presented" is decided by an atomic Redis
`SET NX` on the token's hash, so two concurrent refreshes with one token cannot both win;
the row's `rotated_at` catches reuse after Redis lost its data.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from redis.asyncio import Redis

from shared.directus.client import DirectusClient, Item
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.accounts.hashing import lookup_hash
from subgraphs.core.invites import parse_time

SESSIONS = "sessions"
TOKEN_PREFIX = "mwr_"
PRESENTED = "mateway:core:refresh-presented"
# Set when a family ends, so a row a concurrent refresh adds afterwards is dead too.
FAMILY_REVOKED = "mateway:core:family-revoked"
MAX_TOKEN_INPUT = 128


def refresh_hash(key: bytes, token: str) -> str:
    """The stored hash of a refresh token."""
    return lookup_hash(key, "refresh", token)


def unauthenticated(reason: str) -> MatewayError:
    """A refresh token that cannot be used (reason for logs and clients that branch on it)."""
    return MatewayError(
        ErrorCode.UNAUTHENTICATED, "The refresh token is not valid; sign in again", reason=reason
    )


class RefreshReused(Exception):
    """An already rotated refresh token was presented again; the family must end."""

    def __init__(self, family_id: str) -> None:
        super().__init__(family_id)
        self.family_id = family_id


class SessionStore:
    """Sessions in Directus, with Redis deciding which presentation of a token is first."""

    def __init__(
        self,
        client: DirectusClient,
        redis: Redis,
        key: bytes,
        lifetime: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._client, self._redis, self._key = client, redis, key
        self._lifetime, self._clock = lifetime, clock

    async def _add(
        self, user_id: str, family_id: str, *, rotated_from: str | None, meta: dict[str, str]
    ) -> tuple[str, Item]:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = await self._client.create_item(
            SESSIONS,
            {
                "user": user_id,
                "family_id": family_id,
                "refresh_token_hash": refresh_hash(self._key, token),
                "rotated_from": rotated_from,
                "expires_at": (self._clock() + self._lifetime).isoformat(),
                **meta,
            },
        )
        return token, row

    async def start(self, user_id: str, meta: dict[str, str]) -> tuple[str, str]:
        """A new session: (refresh token, family id)."""
        family_id = str(uuid.uuid4())
        token, _ = await self._add(user_id, family_id, rotated_from=None, meta=meta)
        return token, family_id

    async def _find(self, token: str) -> Item | None:
        if len(token) > MAX_TOKEN_INPUT or not token.startswith(TOKEN_PREFIX):
            return None
        rows = await self._client.read_items(
            SESSIONS,
            filter={"refresh_token_hash": {"_eq": refresh_hash(self._key, token)}},
            limit=1,
        )
        return rows[0] if rows else None

    async def rotate(self, token: str) -> tuple[str, Item]:
        """Exchange a live refresh token for a new one of the same family: (token, old row).

        UNAUTHENTICATED for unknown, expired or revoked tokens; RefreshReused for reuse.
        """
        row = await self._find(token)
        if row is None:
            raise unauthenticated("unknown")
        now = self._clock()
        first = await self._redis.set(
            f"{PRESENTED}:{row['refresh_token_hash']}",
            "1",
            nx=True,
            ex=int(self._lifetime.total_seconds()) + 60,
        )
        if not first or row.get("rotated_at"):
            raise RefreshReused(str(row["family_id"]))
        if row.get("revoked_at") or await self._redis.exists(
            f"{FAMILY_REVOKED}:{row['family_id']}"
        ):
            raise unauthenticated("revoked")
        expires = parse_time(row.get("expires_at"))
        if expires is None or expires <= now:
            raise unauthenticated("expired")
        await self._client.update_item(SESSIONS, row["id"], {"rotated_at": now.isoformat()})
        meta = {k: str(row[k]) for k in ("user_agent_hash", "ip_hash") if row.get(k)}
        new_token, _ = await self._add(
            str(row["user"]), str(row["family_id"]), rotated_from=str(row["id"]), meta=meta
        )
        return new_token, row

    async def family_of(self, token: str) -> Item | None:
        """The row of a refresh token (any state), or None."""
        return await self._find(token)

    async def _revoke(self, filter: dict[str, object]) -> None:
        rows = await self._client.read_items(
            SESSIONS,
            filter={**filter, "revoked_at": {"_null": True}},
            fields=["id", "family_id"],
            limit=-1,
        )
        ttl = int(self._lifetime.total_seconds()) + 60
        # Marked first: a refresh racing with this cannot add a live row to these families.
        for family_id in {str(row["family_id"]) for row in rows}:
            await self._redis.set(f"{FAMILY_REVOKED}:{family_id}", "1", ex=ttl)
        stamp = {"revoked_at": self._clock().isoformat()}
        for row in rows:
            await self._client.update_item(SESSIONS, row["id"], stamp)

    async def revoke_family(self, family_id: str) -> None:
        """End a session: every refresh token of the family stops working."""
        ttl = int(self._lifetime.total_seconds()) + 60
        await self._redis.set(f"{FAMILY_REVOKED}:{family_id}", "1", ex=ttl)
        await self._revoke({"family_id": {"_eq": family_id}})

    async def revoke_user(self, user_id: str) -> None:
        """End every session of a user."""
        await self._revoke({"user": {"_eq": user_id}})
