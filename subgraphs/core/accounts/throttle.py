"""Attempt throttling in Redis: failures per account and per IP, then a lockout.

Each attempt increments `fail:<scope>:<subject>` (expiring after the window) before it is
judged; reaching the scope's limit sets `lock:<scope>:<subject>` for the lockout time.
While the account or the IP is locked, attempts answer TOO_MANY_ATTEMPTS with
`retryAfter` in seconds before any password is checked. A success clears the account's
counter but only gives the IP back its one attempt: one good password must not wipe an
IP's record of guessing at other accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from shared.errors import ErrorCode, MatewayError
from subgraphs.core.settings import ThrottleSettings

PREFIX = "mateway:core:throttle"

# Check the lock, count the attempt and lock at the limit in one step: with separate calls a
# burst could slip past the check while another attempt was locking and resetting the count.
# KEYS: lock, counter. ARGV: limit, window seconds, lockout seconds. Returns the lock's TTL
# (0 when the attempt may go ahead).
_COUNT_ATTEMPT = """
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then return ttl end
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
if count > tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'EX', ARGV[3])
  redis.call('DEL', KEYS[2])
  return tonumber(ARGV[3])
end
return 0
"""


@dataclass(frozen=True)
class Subject:
    """What an attempt counts against: an account key (a user id or a lookup hash) and an IP."""

    action: str  # "login" or "2fa": separate budgets
    account: str
    ip: str | None = None


class Throttle:
    """Failure counters and lockouts for login and 2FA attempts."""

    def __init__(self, redis: Redis, settings: ThrottleSettings) -> None:
        self._redis = redis
        self._settings = settings
        self._count_attempt = redis.register_script(_COUNT_ATTEMPT)

    def _scopes(self, subject: Subject) -> list[tuple[str, int]]:
        scopes = [(f"{subject.action}:account:{subject.account}", self._settings.account_failures)]
        if subject.ip:
            scopes.append((f"{subject.action}:ip:{subject.ip}", self._settings.ip_failures))
        return scopes

    async def check(self, subject: Subject) -> None:
        """TOO_MANY_ATTEMPTS (with retryAfter) while the account or the IP is locked."""
        for scope, _ in self._scopes(subject):
            ttl = int(await self._redis.ttl(f"{PREFIX}:lock:{scope}"))
            if ttl > 0:
                raise too_many_attempts(ttl)

    async def attempt(self, subject: Subject) -> None:
        """Check the locks and count this attempt before it is judged.

        Counting first bounds parallel guessing: a burst of simultaneous attempts cannot
        all pass the check before the first failure is recorded. A success gives it back.
        """
        await self.check(subject)
        window, lockout = self._settings.window_seconds, self._settings.lockout_seconds
        for scope, limit in self._scopes(subject):
            keys = [f"{PREFIX}:lock:{scope}", f"{PREFIX}:fail:{scope}"]
            locked_for = int(await self._count_attempt(keys=keys, args=[limit, window, lockout]))
            if locked_for > 0:
                raise too_many_attempts(locked_for)

    async def _lock(self, scope: str) -> Exception:
        lockout = self._settings.lockout_seconds
        await self._redis.set(f"{PREFIX}:lock:{scope}", "1", ex=lockout)
        await self._redis.delete(f"{PREFIX}:fail:{scope}")
        return too_many_attempts(lockout)

    async def failed(self, subject: Subject) -> None:
        """The counted attempt failed: lock the account or IP that reached its limit."""
        for scope, limit in self._scopes(subject):
            count = int(await self._redis.get(f"{PREFIX}:fail:{scope}") or 0)
            if count >= limit:
                raise await self._lock(scope)

    async def succeeded(self, subject: Subject) -> None:
        """The counted attempt succeeded: forget the account's failures, give the IP its
        attempt back (one good password must not wipe an IP's record of other guesses)."""
        await self._redis.delete(f"{PREFIX}:fail:{subject.action}:account:{subject.account}")
        if subject.ip:
            await self._redis.decr(f"{PREFIX}:fail:{subject.action}:ip:{subject.ip}")


def too_many_attempts(retry_after: int) -> MatewayError:
    """The lockout error clients see."""
    return MatewayError(
        ErrorCode.TOO_MANY_ATTEMPTS,
        f"Too many failed attempts; try again in {retry_after} seconds",
        retryAfter=retry_after,
    )
