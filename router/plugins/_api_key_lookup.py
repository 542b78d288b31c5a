"""API keys at the router: ``mw_...`` bearer tokens to an Identity, cached in memory.

A key is looked up by its keyed hash (never stored in clear) at most once per ``ttl`` per key:
concurrent requests with the same uncached key share one lookup (single flight), and the
answer, found or not, is kept for ``ttl`` (unknown keys for ``negative_ttl``). A revoked key
or a disabled owner drops the cached answer at once through the revocation channel
(``invalidate``). ``last_used_at`` is written at most once per ``touch_interval`` per key, in
a background task, never on the request's path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.auth.api_keys import hash_api_key, parse_api_key
from shared.auth.keys import TokenKeys
from shared.auth.tokens import TokenError
from shared.identity import CallerKind, Identity, Role

logger = logging.getLogger("mateway.router.identity")

Row = dict[str, Any]
Fetch = Callable[[str], Awaitable[Row | None]]
Touch = Callable[[str, str], Awaitable[None]]
# Fields read for a key: never the hash itself, only what the identity needs.
LOOKUP_FIELDS = ["id", "scopes", "revoked_at", "user.id", "user.platform_role", "user.status"]


@dataclass(frozen=True, slots=True)
class _Entry:
    identity: Identity | None
    expires: float


def identity_of_row(row: Row | None) -> Identity | None:
    """The identity of an api_keys row; None when revoked or its owner is not active.

    The role is the owner's capped at USER: a key never carries admin rights, so a leaked key
    cannot administer the platform (admins use a signed-in session for that).
    """
    if not row or row.get("revoked_at"):
        return None
    user = row.get("user")
    if not isinstance(user, dict) or user.get("status", "active") != "active":
        return None
    owner_role = Role(user.get("platform_role") or "user")
    role = Role.USER if owner_role.allows(Role.USER) else owner_role
    scopes = row.get("scopes") or []
    return Identity(
        kind=CallerKind.API_KEY,
        role=role,
        user_id=str(user["id"]),
        api_key_id=str(row["id"]),
        scopes=frozenset(str(scope) for scope in scopes),
    )


class ApiKeyLookup:
    """Resolves API keys through `fetch` (by key hash) with a bounded TTL cache."""

    def __init__(
        self,
        keys: TokenKeys,
        fetch: Fetch,
        touch: Touch | None = None,
        ttl: float = 30.0,
        negative_ttl: float = 5.0,
        touch_interval: float = 60.0,
        maxsize: int = 10_000,
    ) -> None:
        self.keys = keys
        self.fetch = fetch
        self.touch = touch
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.touch_interval = touch_interval
        self.maxsize = maxsize
        self.lookups = 0  # how many times `fetch` ran (tests and metrics)
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[Identity | None]] = {}
        self._touched: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def resolve(self, key: str) -> Identity:
        """The identity of a valid, unrevoked key; TokenError otherwise."""
        if parse_api_key(key) is None:
            raise TokenError("malformed", "The API key is not well formed")
        key_hash = hash_api_key(key, self.keys)
        entry = self._cache.get(key_hash)
        identity = entry.identity if entry and entry.expires > time.monotonic() else None
        if entry is None or entry.expires <= time.monotonic():
            identity = await self._lookup(key_hash)
        if identity is None:
            raise TokenError("unknown_api_key", "The API key is not valid or has been revoked")
        self._record_use(identity)
        return identity

    async def _lookup(self, key_hash: str) -> Identity | None:
        pending = self._inflight.get(key_hash)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Identity | None] = asyncio.get_running_loop().create_future()
        self._inflight[key_hash] = future
        try:
            self.lookups += 1
            identity = identity_of_row(await self.fetch(key_hash))
            ttl = self.ttl if identity is not None else self.negative_ttl
            self._store(key_hash, _Entry(identity, time.monotonic() + ttl))
            future.set_result(identity)
            return identity
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # marks it retrieved when no one else waits
            raise
        finally:
            del self._inflight[key_hash]

    def _store(self, key_hash: str, entry: _Entry) -> None:
        self._cache[key_hash] = entry
        self._cache.move_to_end(key_hash)
        if len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)

    def invalidate(self, entry: str) -> None:
        """Applies a revocation entry: drops the cached keys of a revoked key or user."""
        kind, _, rest = entry.partition(":")
        if kind == "apikey":
            stale = [
                h for h, e in self._cache.items() if e.identity and e.identity.api_key_id == rest
            ]
        elif kind == "user":
            user_id = rest.rpartition("@")[0]
            stale = [
                h for h, e in self._cache.items() if e.identity and e.identity.user_id == user_id
            ]
        else:
            return
        for key_hash in stale:
            del self._cache[key_hash]

    def _record_use(self, identity: Identity) -> None:
        """Schedules a last_used_at write when the key's last one is older than the interval."""
        key_id = identity.api_key_id
        now = time.monotonic()
        if self.touch is None or key_id is None:
            return
        if now - self._touched.get(key_id, -self.touch_interval) < self.touch_interval:
            return
        self._touched[key_id] = now
        task = asyncio.create_task(self._touch(key_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _touch(self, key_id: str) -> None:
        assert self.touch is not None
        try:
            await self.touch(key_id, datetime.now(UTC).isoformat())
        except Exception as error:  # a missed last-used stamp must not fail anything
            logger.warning("could not record the use of API key %s: %s", key_id, error)

    async def drain(self) -> None:
        """Waits for pending last_used_at writes (shutdown and tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
