"""Attempt throttling in Redis: failures per account and per IP, then a lockout.

Each failure increments `fail:<scope>:<subject>` (expiring after the window); reaching the
scope's limit sets `lock:<scope>:<subject>` for the lockout time. While either the account
or the IP is locked, attempts answer TOO_MANY_ATTEMPTS with `retryAfter` in seconds, before
any password is checked. A success clears the account's counter (not the IP's: one good
password must not wipe an IP's record of guessing at other accounts).
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from shared.errors import ErrorCode, MatewayError
from subgraphs.core.settings import ThrottleSettings

PREFIX = "mateway:core:throttle"


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

    async def failed(self, subject: Subject) -> None:
        """Count a failure; lock the account or IP that reached its limit."""
        window, lockout = self._settings.window_seconds, self._settings.lockout_seconds
        locked_for = 0
        for scope, limit in self._scopes(subject):
            counter = f"{PREFIX}:fail:{scope}"
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(counter)
                pipe.expire(counter, window, nx=True)
                count = int((await pipe.execute())[0])
            if count >= limit:
                await self._redis.set(f"{PREFIX}:lock:{scope}", "1", ex=lockout)
                await self._redis.delete(counter)
                locked_for = lockout
        if locked_for:
            raise too_many_attempts(locked_for)

    async def succeeded(self, subject: Subject) -> None:
        """Forget the account's failures after a successful attempt."""
        await self._redis.delete(f"{PREFIX}:fail:{subject.action}:account:{subject.account}")


def too_many_attempts(retry_after: int) -> MatewayError:
    """The lockout error clients see."""
    return MatewayError(
        ErrorCode.TOO_MANY_ATTEMPTS,
        f"Too many failed attempts; try again in {retry_after} seconds",
        retryAfter=retry_after,
    )
