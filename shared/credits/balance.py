"""The hot balance per user in Redis: reserve, settle, release, apply, install (scripts.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from redis.asyncio import Redis

from shared.credits import scripts

Arg = str | int | float
DONE_TTL_MS = 7 * 24 * 3600 * 1000  # settled request ids are remembered a week
# A priced hold outlives the worker's retries (about 17 minutes of backoff, tasks.py).
SETTLING_TTL_SECONDS = 3600.0


class Reserved(IntEnum):
    """The outcome of a reservation."""

    ALREADY_SETTLED = -2
    MISSING = -1  # no balance in Redis: rebuild it from the ledger, then reserve again
    INSUFFICIENT = 0
    RESERVED = 1
    ALREADY_RESERVED = 2


class Quoted(IntEnum):
    """The outcome of pricing a settlement."""

    NO_RESERVATION = -1  # expired or lost: the ledger decides (Credits.settle)
    ALREADY = 0  # settled before: the amount is what was charged
    QUOTED = 1


@dataclass(frozen=True, slots=True)
class Keys:
    """The Redis keys of one user (one hash tag, so one cluster slot)."""

    user: str

    def _key(self, name: str) -> str:
        return f"credits:{{{self.user}}}:{name}"

    @property
    def balance(self) -> str:
        """The settled balance."""
        return self._key("balance")

    @property
    def holds(self) -> str:
        """Live reservations: request id -> amount."""
        return self._key("holds")

    @property
    def expiry(self) -> str:
        """Live reservations' expiry times."""
        return self._key("expiry")

    @property
    def pending(self) -> str:
        """Deltas applied while the balance was missing."""
        return self._key("pending")

    @property
    def lock(self) -> str:
        """The rebuild lock."""
        return self._key("rebuild")

    def reservation(self, request_id: str) -> str:
        """One reservation's hash."""
        return self._key(f"res:{request_id}")

    def done(self, request_id: str) -> str:
        """The amount a settled request was charged."""
        return self._key(f"done:{request_id}")


def _now_ms() -> int:
    return int(time.time() * 1000)


class BalanceStore:
    """Atomic credit operations on one Redis; every write is idempotent by request id."""

    def __init__(
        self,
        redis: Redis,
        reservation_ttl_seconds: float = 900.0,
        settling_ttl_seconds: float = SETTLING_TTL_SECONDS,
    ) -> None:
        self.redis = redis
        self.ttl_ms = int(reservation_ttl_seconds * 1000)
        self.settling_ttl_ms = max(int(settling_ttl_seconds * 1000), self.ttl_ms)
        self._reserve = redis.register_script(scripts.RESERVE)
        self._quote = redis.register_script(scripts.QUOTE)
        self._release = redis.register_script(scripts.RELEASE)
        self._commit = redis.register_script(scripts.COMMIT)
        self._install = redis.register_script(scripts.INSTALL)

    async def reserve(self, user: str, request_id: str, cost: int) -> tuple[Reserved, int]:
        """Holds `cost` for the request; the outcome and the credits still available."""
        k = Keys(user)
        keys = [k.balance, k.holds, k.expiry, k.reservation(request_id), k.done(request_id)]
        args: list[Arg] = [request_id, cost, self.ttl_ms, _now_ms()]
        status, available = await self._reserve(keys=keys, args=args)
        return Reserved(int(status)), int(available)

    async def quote(
        self, user: str, request_id: str, used: int, allow_over: bool = True
    ) -> tuple[Quoted, int]:
        """Prices the request's usage per the policy and holds that much until it commits."""
        k = Keys(user)
        keys = [k.balance, k.holds, k.expiry, k.reservation(request_id), k.done(request_id)]
        over = "1" if allow_over else "0"
        args: list[Arg] = [request_id, used, over, _now_ms(), self.settling_ttl_ms]
        status, charge = await self._quote(keys=keys, args=args)
        return Quoted(int(status)), int(charge)

    async def release(self, user: str, request_id: str) -> bool:
        """Frees the request's reservation; True when there was one."""
        k = Keys(user)
        keys = [k.holds, k.expiry, k.reservation(request_id)]
        return bool(await self._release(keys=keys, args=[request_id]))

    async def commit(self, user: str, request_id: str, delta: int) -> bool:
        """Applies a signed delta already in the ledger, once; True when applied now."""
        k = Keys(user)
        keys = [
            k.balance,
            k.holds,
            k.expiry,
            k.reservation(request_id),
            k.done(request_id),
            k.pending,
        ]
        return bool(await self._commit(keys=keys, args=[request_id, delta, DONE_TTL_MS]))

    async def mark_counted(self, user: str, charged: dict[str, int]) -> None:
        """Marks ledger rows (request id -> credits) as applied: a rebuilt sum holds them."""
        k = Keys(user)
        async with self.redis.pipeline(transaction=False) as pipe:
            for request_id, credits in charged.items():
                pipe.set(k.done(request_id), -credits, px=DONE_TTL_MS, nx=True)
            await pipe.execute()

    async def balance(self, user: str) -> int | None:
        """The settled balance, or None when Redis does not have it."""
        value = await self.redis.get(Keys(user).balance)
        return None if value is None else int(value)

    async def reserved(self, user: str) -> int:
        """The sum of the user's live reservations (expired ones not yet dropped left out)."""
        k = Keys(user)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(k.holds)
            pipe.zrangebyscore(k.expiry, f"({_now_ms()}", "+inf")
            holds, live = await pipe.execute()
        alive = set(live)
        return sum(int(amount) for request_id, amount in holds.items() if request_id in alive)

    async def install(
        self, user: str, total: int, known: dict[str, bool]
    ) -> tuple[int | None, list[str]]:
        """Installs a rebuilt balance; (balance, []) or (None, pending ids to classify)."""
        k = Keys(user)
        ids = list(known)
        args: list[Arg] = [total, *ids, *("1" if known[i] else "0" for i in ids)]
        answer = await self._install(keys=[k.balance, k.pending], args=args)
        if int(answer[0]) == 0:
            return None, [_text(item) for item in answer[1:]]
        return int(answer[1]), []


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
