"""Password reset tokens: random, emailed as a link, stored hashed, single use, 30 minutes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from redis.asyncio import Redis

from shared.directus.client import DirectusClient
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.accounts.hashing import lookup_hash
from subgraphs.core.invites import parse_time

RESETS = "password_resets"
USED = "mateway:core:reset-used"
MAX_TOKEN_INPUT = 128


def invalid_reset() -> MatewayError:
    """One answer for unknown, used and expired links: none of them can be used."""
    return MatewayError(
        ErrorCode.INVALID_CODE, "The reset link is not valid or has expired; ask for a new one"
    )


class ResetTokens:
    """Reset tokens in Directus; Redis `SET NX` makes using one atomic."""

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

    def _hash(self, token: str) -> str:
        return lookup_hash(self._key, "password-reset", token)

    async def issue(self, user_id: str) -> str:
        """A new token for a user (earlier ones stay valid until used or expired)."""
        token = secrets.token_urlsafe(32)
        expires = self._clock() + self._lifetime
        await self._client.create_item(
            RESETS,
            {"user": user_id, "token_hash": self._hash(token), "expires_at": expires.isoformat()},
        )
        return token

    async def _live(self, token: str) -> dict[str, object]:
        if not token or len(token) > MAX_TOKEN_INPUT:
            raise invalid_reset()
        rows = await self._client.read_items(
            RESETS, filter={"token_hash": {"_eq": self._hash(token)}}, limit=1
        )
        if not rows or rows[0].get("used_at"):
            raise invalid_reset()
        expires = parse_time(rows[0].get("expires_at"))
        if expires is None or expires <= self._clock():
            raise invalid_reset()
        return rows[0]

    async def user_of(self, token: str) -> str:
        """The user of a live token, without spending it; INVALID_CODE otherwise."""
        return str((await self._live(token))["user"])

    async def use(self, token: str) -> str:
        """Spend a token; its user id. INVALID_CODE when unknown, used or expired."""
        row = await self._live(token)
        ttl = int(self._lifetime.total_seconds()) + 60
        if not await self._redis.set(f"{USED}:{self._hash(token)}", "1", nx=True, ex=ttl):
            raise invalid_reset()
        await self._client.update_item(
            RESETS, str(row["id"]), {"used_at": self._clock().isoformat()}
        )
        return str(row["user"])
