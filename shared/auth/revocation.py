"""Revoked sessions and disabled users, known to every router without a per-request call.

Writers (logout, refresh-token reuse, an admin disabling a user, a revoked API key) call
``revoke_session`` / ``revoke_user`` / ``announce_api_key_revoked``. Each writes to Redis
twice: a sorted set ``REVOKED_KEY`` (member -> expiry score; entries live as long as the
longest access token could, then are dropped) so a starting router can load what is
current, and a pub/sub message on ``CHANNEL`` so running routers learn at once. Each router
holds a ``RevocationList`` in memory that a ``RevocationFeed`` keeps current; lists in the
writer's own process are updated directly, so the very next request there is refused even
before the message comes back. Its ``listeners`` hear every applied entry: the router's
API key cache drops stale keys, and its open subscriptions of a revoked caller end
(router.plugins._stream_guard). A listener of a writer's own process may be called from
the writer's thread, so listeners must not assume they run on their own event loop.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable

from redis.asyncio import Redis

from shared.auth.tokens import MAX_ACCESS_TOKEN_TTL
from shared.identity import CallerKind, Identity

REVOKED_KEY = "mateway:auth:revoked"
CHANNEL = "mateway:auth:revocations"
RETENTION_SECONDS = int(MAX_ACCESS_TOKEN_TTL.total_seconds())
logger = logging.getLogger("mateway.auth.revocation")

Listener = Callable[[str], None]


class RevocationList:
    """The revocations one process knows: sessions and API keys by id, users by cut-off time."""

    def __init__(self) -> None:
        self._sessions: dict[str, float] = {}  # session id -> when the entry may be dropped
        self._users: dict[str, float] = {}  # user id -> tokens issued at or before are revoked
        self._api_keys: dict[str, float] = {}  # API key id -> when the entry may be dropped
        self.listeners: list[Listener] = []  # told of every applied entry (cache invalidation)
        _LOCAL.add(self)

    def apply(self, entry: str) -> None:
        """Applies one entry: ``session:<sid>``, ``user:<uid>@<cutoff>`` or ``apikey:<id>``."""
        kind, _, rest = entry.partition(":")
        if kind == "session" and rest:
            self._sessions[rest] = time.time() + RETENTION_SECONDS
        elif kind == "apikey" and rest:
            self._api_keys[rest] = time.time() + RETENTION_SECONDS
        elif kind == "user" and rest:
            user_id, _, cutoff = rest.rpartition("@")
            try:
                at = float(cutoff)
            except ValueError:
                return  # not written by revoke_user: ignored rather than ending the feed
            if user_id:
                self._users[user_id] = max(self._users.get(user_id, 0.0), at)
        for listener in self.listeners:
            try:
                listener(entry)
            except Exception:  # one listener's bug must fail neither the feed nor the writer
                logger.exception("revocation listener failed on %s", entry)

    def is_revoked(self, identity: Identity, issued_at: float | None = None) -> bool:
        """True when the identity's session was revoked or its user disabled since `issued_at`."""
        if identity.kind is CallerKind.USER and identity.session_id in self._sessions:
            return True
        if identity.kind is CallerKind.API_KEY and self.is_api_key_revoked(identity.api_key_id):
            return True
        cutoff = self._users.get(identity.user_id or "")
        if cutoff is None:
            return False
        # API keys are re-read from the database after a user revocation; a token issued
        # before the cut-off is refused, so a re-enabled user can sign in again.
        return issued_at is None or issued_at <= cutoff

    def is_api_key_revoked(self, api_key_id: str | None) -> bool:
        """True when this API key was revoked (revocations are final; keys are never re-enabled)."""
        return api_key_id is not None and api_key_id in self._api_keys

    def prune(self) -> None:
        """Forgets entries older than the longest access token lifetime."""
        now = time.time()
        self._sessions = {sid: until for sid, until in self._sessions.items() if until > now}
        self._api_keys = {kid: until for kid, until in self._api_keys.items() if until > now}
        self._users = {
            uid: cutoff for uid, cutoff in self._users.items() if cutoff + RETENTION_SECONDS > now
        }


# Lists of this process (weakly held): writers update them directly.
_LOCAL: weakref.WeakSet[RevocationList] = weakref.WeakSet()


async def _publish(redis: Redis, entry: str) -> None:
    """Stores the entry until every token it concerns has expired, then tells every router."""
    now = time.time()
    for local in list(_LOCAL):
        local.apply(entry)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zadd(REVOKED_KEY, {entry: now + RETENTION_SECONDS})
        pipe.zremrangebyscore(REVOKED_KEY, "-inf", now)
        pipe.expire(REVOKED_KEY, RETENTION_SECONDS)
        pipe.publish(CHANNEL, entry)
        await pipe.execute()


async def revoke_session(redis: Redis, session_id: str) -> None:
    """Revokes a session family: its access tokens stop working on every router at once."""
    await _publish(redis, f"session:{session_id}")


async def revoke_user(redis: Redis, user_id: str) -> None:
    """Revokes every token a user holds now (disabled user, password change); later ones work."""
    # +1 s: a token issued in this very second (iat has whole seconds) is revoked too.
    await _publish(redis, f"user:{user_id}@{int(time.time()) + 1}")


async def announce_api_key_revoked(redis: Redis, api_key_id: str) -> None:
    """Tells every router to drop its cached lookup of an API key (after it was revoked)."""
    await _publish(redis, f"apikey:{api_key_id}")


async def load_current(redis: Redis, into: RevocationList) -> int:
    """Applies every stored entry that has not expired; returns how many."""
    entries = await redis.zrangebyscore(REVOKED_KEY, time.time(), "+inf")
    for entry in entries:
        into.apply(entry.decode() if isinstance(entry, bytes) else str(entry))
    return len(entries)
