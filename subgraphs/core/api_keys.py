"""API keys of signed-in users: create (the key is shown once), list, revoke.

Only the keyed hash and the display prefix are stored (shared.auth.api_keys); listing never
reads the hash. A key belongs to one user: another user's key is NOT_FOUND, as is an unknown
one, so ids cannot be probed. Revoking stamps `revoked_at` and tells every router to drop its
cached lookup at once (shared.auth.revocation); a router that misses the message still stops
accepting the key when its cache entry expires (30 s by default).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.auth.api_keys import new_api_key
from shared.auth.keys import TokenKeys
from shared.auth.revocation import announce_api_key_revoked
from shared.auth.scopes import unknown_scopes
from shared.directus.client import DirectusClient
from shared.errors import ErrorCode, MatewayError

logger = logging.getLogger("mateway.core.api_keys")

API_KEYS = "api_keys"
APPS = "apps"
# What the owner may see of a key: never the hash.
LISTED_FIELDS = ["id", "name", "prefix", "scopes", "date_created", "last_used_at", "revoked_at"]
MAX_ACTIVE_KEYS = 25
MAX_NAME_LENGTH = 100

Row = dict[str, Any]


class ApiKeyStore:
    """The api_keys collection seen by one user at a time."""

    def __init__(self, client: DirectusClient, keys: TokenKeys, redis: Redis) -> None:
        self._client = client
        self._keys = keys
        self._redis = redis

    async def installed_apps(self) -> list[str]:
        """Names of the enabled apps (their skills are the `skills:<app>` scopes)."""
        rows = await self._client.read_items(
            APPS, filter={"enabled": {"_eq": True}}, fields=["name"], limit=-1
        )
        return [str(row["name"]) for row in rows]

    async def create(self, user_id: str, name: str, scopes: list[str]) -> tuple[str, Row]:
        """A new key for the user: the full key (to show once) and its stored row."""
        name = name.strip()
        if not 0 < len(name) <= MAX_NAME_LENGTH:
            raise MatewayError(
                ErrorCode.BAD_USER_INPUT, f"name must be 1 to {MAX_NAME_LENGTH} characters"
            )
        unknown = unknown_scopes(scopes, await self.installed_apps())
        if unknown:
            raise MatewayError(
                ErrorCode.BAD_USER_INPUT, f"Unknown scopes: {', '.join(unknown)}", scopes=unknown
            )
        if len(await self.list(user_id)) >= MAX_ACTIVE_KEYS:
            raise MatewayError(
                ErrorCode.CONFLICT, f"At most {MAX_ACTIVE_KEYS} API keys; revoke one first"
            )
        made = new_api_key(self._keys)
        row = await self._client.create_item(
            API_KEYS,
            {
                "user": user_id,
                "name": name,
                "prefix": made.prefix,
                "key_hash": made.key_hash,
                "scopes": sorted(set(scopes)),
            },
        )
        return made.key, {field: row.get(field) for field in LISTED_FIELDS}

    async def list(self, user_id: str) -> list[Row]:
        """The user's keys that are not revoked, newest first."""
        return await self._client.read_items(
            API_KEYS,
            filter={"user": {"_eq": user_id}, "revoked_at": {"_null": True}},
            fields=LISTED_FIELDS,
            sort=["-date_created"],
            limit=-1,
        )

    async def revoke(self, user_id: str, key_id: str) -> None:
        """Revokes one of the user's keys; NOT_FOUND when it is not theirs or already revoked."""
        rows = await self._client.read_items(
            API_KEYS,
            filter={"id": {"_eq": key_id}, "user": {"_eq": user_id}, "revoked_at": {"_null": True}},
            fields=["id"],
            limit=1,
        )
        if not rows:
            raise MatewayError(ErrorCode.NOT_FOUND, "No such API key")
        await self._client.update_item(
            API_KEYS, key_id, {"revoked_at": datetime.now(UTC).isoformat()}
        )
        try:
            await announce_api_key_revoked(self._redis, key_id)
        except (RedisError, OSError) as error:
            # Stored as revoked; routers drop it when their cache entry expires.
            logger.warning("API key %s revoked, but routers were not told: %s", key_id, error)
