"""Open subscriptions by the credentials they were authorised with; ended when those end.

plugins.identity registers each subscription at PLAN_READY with its identity, its access
token's issue and expiry times (or its API key) and the operation's StreamEnder
(router.subscriptions.ending). Two things end it, neither looked at per event:

- a revocation entry applied to the RevocationList (this guard is one of its listeners):
  only the operations indexed under the entry's session, user or API key are checked, with
  ``RevocationList.is_revoked`` (the rule new requests meet), and the revoked ones end
  with UNAUTHENTICATED;
- the access token's expiry: one timer per distinct expiry time (every operation of a
  WebSocket shares its connection's token, so at most one timer per connection), firing
  when the token stops verifying (``exp`` plus the verifier's clock leeway), the moment a
  new subscribe with it is refused.

An API key has no issue time: its operations end when the key is revoked; when its owner's
tokens are revoked (disabled user, password change) the key is looked up again, as the
next request with it would be, and they end only if it no longer resolves.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from router.subscriptions.ending import Errors, StreamEnder
from shared.auth.revocation import RevocationList
from shared.auth.tokens import (
    EXPIRED_MESSAGE,
    LEEWAY_SECONDS,
    REVOKED_MESSAGE,
    TokenError,
)
from shared.identity import CallerKind, Identity

logger = logging.getLogger("mateway.router.identity")

ResolveKey = Callable[[str], Awaitable[Identity]]
Index = tuple[str, str]  # ("session" | "user" | "apikey", id): the revocation entry's kind

# Why an operation ends: the errors its client receives, as a refused request's.
REVOKED = TokenError("revoked", REVOKED_MESSAGE)
KEY_REVOKED = TokenError("revoked", "The API key has been revoked")
EXPIRED = TokenError("expired", EXPIRED_MESSAGE)


def _errors(why: TokenError) -> Errors:
    return [{"message": why.message, "extensions": why.extensions()}]


@dataclass(eq=False, slots=True)
class _Watch:
    identity: Identity
    ender: StreamEnder
    issued_at: float
    deadline: float | None  # wall-clock time the token stops verifying
    api_key: str | None  # the key itself, to look it up again after a user revocation


class StreamGuard:
    """Ends the open subscriptions of revoked callers and expired access tokens."""

    def __init__(self, revocations: RevocationList, resolve_key: ResolveKey) -> None:
        self._revocations = revocations
        self._resolve_key = resolve_key
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._index: dict[Index, set[_Watch]] = {}
        self._timers: dict[float, tuple[asyncio.TimerHandle, set[_Watch]]] = {}
        self._checks: set[asyncio.Task[None]] = set()
        self.ended = 0  # operations ended by a revocation or an expiry (tests, logs)
        self.watching = 0  # open operations watched (a counter: read from other threads)

    @property
    def timers(self) -> int:
        """How many expiry timers are armed (one per distinct token expiry)."""
        return len(self._timers)

    def watch(
        self,
        identity: Identity,
        ender: StreamEnder,
        *,
        issued_at: float | None = None,
        expires_at: float | None = None,
        api_key: str | None = None,
    ) -> None:
        """Watches one open operation until its transport finishes it."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        deadline = None if expires_at is None else expires_at + LEEWAY_SECONDS
        # An API key has no iat: what it resolved to is as old as this moment.
        watch = _Watch(identity, ender, issued_at or time.time(), deadline, api_key)
        self.watching += 1
        for index in _indexes(identity):
            self._index.setdefault(index, set()).add(watch)
        ender.on_finish(lambda: self._forget(watch))
        if deadline is not None:
            self._arm(watch, deadline)
        # A revocation applied while the operation was prepared is acted on now.
        if identity.kind is CallerKind.USER and self._revocations.is_revoked(
            identity, watch.issued_at
        ):
            self._end(watch, REVOKED)
        elif self._revocations.is_api_key_revoked(identity.api_key_id):
            self._end(watch, KEY_REVOKED)

    def on_revocation(self, entry: str) -> None:
        """The RevocationList listener: ends the operations the entry revokes."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # nothing was ever watched here
        if threading.get_ident() != self._thread:
            # A writer of this process applied the entry from another thread (event loop).
            loop.call_soon_threadsafe(self._apply, entry)
        else:
            self._apply(entry)

    def _apply(self, entry: str) -> None:
        kind, _, rest = entry.partition(":")
        if kind == "user":
            rest = rest.rpartition("@")[0]
        recheck: dict[str, list[_Watch]] = {}
        for watch in list(self._index.get((kind, rest), ())):
            if not self._revocations.is_revoked(watch.identity, watch.issued_at):
                continue  # e.g. a token issued after the user's cut-off
            if watch.api_key is not None and not self._revocations.is_api_key_revoked(
                watch.identity.api_key_id
            ):
                recheck.setdefault(watch.api_key, []).append(watch)
            else:
                self._end(watch, KEY_REVOKED if watch.api_key is not None else REVOKED)
        for key, watches in recheck.items():
            assert self._loop is not None
            task = self._loop.create_task(self._recheck_key(key, watches))
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)

    async def _recheck_key(self, key: str, watches: list[_Watch]) -> None:
        """Looks an API key up again after its owner's revocation; ends it if it is gone."""
        try:
            await self._resolve_key(key)
        except TokenError:
            for watch in watches:
                self._end(watch, KEY_REVOKED)
        except Exception as error:  # the database: keep what was authorised, as requests wait
            logger.warning("could not re-check an API key after a revocation: %s", error)

    def _arm(self, watch: _Watch, deadline: float) -> None:
        timer = self._timers.get(deadline)
        if timer is None:
            assert self._loop is not None
            delay = max(0.0, deadline - time.time())
            handle = self._loop.call_later(delay, self._expire, deadline)
            timer = self._timers[deadline] = (handle, set())
        timer[1].add(watch)

    def _expire(self, deadline: float) -> None:
        _, watches = self._timers.pop(deadline, (None, set()))
        for watch in list(watches):
            self._end(watch, EXPIRED)

    def _end(self, watch: _Watch, why: TokenError) -> None:
        if watch.ender.errors is None:
            self.ended += 1
            watch.ender.end(_errors(why))

    def _forget(self, watch: _Watch) -> None:
        self.watching -= 1
        for index in _indexes(watch.identity):
            watches = self._index.get(index)
            if watches is not None:
                watches.discard(watch)
                if not watches:
                    del self._index[index]
        if watch.deadline is not None and (timer := self._timers.get(watch.deadline)):
            timer[1].discard(watch)
            if not timer[1]:
                timer[0].cancel()
                del self._timers[watch.deadline]

    async def aclose(self) -> None:
        """Cancels the timers and pending API key checks (shutdown)."""
        for handle, _ in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for task in list(self._checks):
            task.cancel()
        if self._checks:
            await asyncio.gather(*self._checks, return_exceptions=True)


def _indexes(identity: Identity) -> list[Index]:
    """Where a revocation entry finds the operations of this identity."""
    indexes: list[Index] = []
    if identity.user_id:
        indexes.append(("user", identity.user_id))
    if identity.kind is CallerKind.USER and identity.session_id:
        indexes.append(("session", identity.session_id))
    if identity.kind is CallerKind.API_KEY and identity.api_key_id:
        indexes.append(("apikey", identity.api_key_id))
    return indexes
