"""Credits: the Redis balance store and the Directus ledger kept in agreement.

- reserve: holds the cost in Redis (rebuilding a missing balance from the ledger first).
- settle: charges the usage in Redis (once per request id), then writes the ledger row.
- release: frees a reservation (the request failed or was cancelled); nothing is written.
- grant / purchase: the ledger row first, then the balance, once per request id.

The ledger is the truth; Redis holds the hot copy. Redis applies a request id once: its
commit leaves a `done` marker for DONE_TTL (a week), and a rebuild marks every ledger row of
that window as counted. So for a row younger than that window the marker says whether the
balance holds it, with or without a live reservation: a retry after a partial success (row
written, commit lost) applies the row's amount once, also when the hold has expired. A row
older than the window may have outlived its marker: it is not applied again (logged).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.credits.balance import DONE_TTL_MS, BalanceStore, Keys, Quoted, Reserved
from shared.credits.ledger import Ledger, LedgerEntry, created_at
from shared.errors import ErrorCode, MatewayError

_log = logging.getLogger("shared.credits")
_LOCK_MS = 30_000
_LOCK_WAIT_SECONDS = 10.0
_INSTALL_ROUNDS = 5
_WRITE_ATTEMPTS = 3
# Markers last DONE_TTL_MS; a row older than that less this margin (clocks of Directus and
# of this process may differ) may have lost its marker, so it is not applied again.
_MARKER_MARGIN = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Usage:
    """What a request actually used, as its subgraph reported it."""

    credits: int
    tokens: int | None = None
    skill: str = ""
    status: str = "ok"
    parent_request_id: str | None = None


class Credits:
    """Reserve, settle, release and grant credits; balances rebuilt from the ledger."""

    def __init__(self, store: BalanceStore, ledger: Ledger, allow_over: bool = True) -> None:
        self.store = store
        self.ledger = ledger
        self.allow_over = allow_over
        # A rebuild marks the rows whose commits a live Redis would still remember: a late
        # commit of one (a worker's retry, a hold long expired) then does not count it again.
        self.marked_seconds = DONE_TTL_MS / 1000

    async def reserve(self, user: str, request_id: str, cost: int) -> int:
        """Holds `cost`; the credits left available. Raises INSUFFICIENT_CREDITS."""
        for _ in range(3):
            status, available = await self.store.reserve(user, request_id, cost)
            if status is Reserved.MISSING:
                await self.rebuild(user)
                continue
            if status is Reserved.INSUFFICIENT:
                raise MatewayError(
                    ErrorCode.INSUFFICIENT_CREDITS,
                    f"Not enough credits: {cost} needed, {max(available, 0)} available.",
                    cost=cost,
                    available=max(available, 0),
                )
            if status is Reserved.ALREADY_SETTLED:
                raise MatewayError(ErrorCode.CONFLICT, "This request was already charged.")
            return available
        raise MatewayError(ErrorCode.UNAVAILABLE, "The credit balance could not be loaded.")

    async def settle(self, user: str, request_id: str, usage: Usage) -> int:
        """Charges the usage once (capped per the store's policy); the credits charged.

        Priced in Redis (the hold grows to the charge), written to the ledger, then applied
        once per request id: the ledger row exists before the balance moves, so a rebuild
        never misses a charge it would later apply again.
        """
        status, charge = await self.store.quote(user, request_id, usage.credits, self.allow_over)
        if status is Quoted.ALREADY:
            return charge
        if status is Quoted.NO_RESERVATION:
            charge = max(usage.credits, 0)  # nothing held: the ledger row decides
        new = await self._write(self._entry(user, request_id, -charge, usage))
        if not new and status is Quoted.NO_RESERVATION:
            # An earlier attempt wrote the row (priced, maybe capped, under its hold) and its
            # commit may not have landed: the row's amount is what to apply.
            charge, written = await self._written(request_id)
            if written < datetime.now(UTC) - timedelta(milliseconds=DONE_TTL_MS) + _MARKER_MARGIN:
                _log.error(
                    "credits settlement too old to apply: %s (the ledger holds it)",
                    request_id,
                    extra={"request_id": request_id, "user": user},
                )
                return charge
        await self.store.commit(user, request_id, -charge)
        return charge

    async def release(self, user: str, request_id: str) -> bool:
        """Frees the reservation of a failed or cancelled request; True when one was held."""
        return await self.store.release(user, request_id)

    async def grant(
        self,
        user: str,
        amount: int,
        reason: str,
        request_id: str | None = None,
        kind: str = "grant",
    ) -> int:
        """Adds credits (ledger first, then Redis, once per request id); the new balance."""
        request_id = request_id or f"{kind}:{uuid.uuid4()}"
        entry = LedgerEntry(
            "purchase" if kind == "purchase" else "grant",
            user,
            request_id,
            amount,
            skill=kind,
            reason=reason,
            status="ok",
        )
        await self._write(entry)
        await self.store.commit(user, request_id, amount)
        return await self.balance(user)

    async def balance(self, user: str) -> int:
        """The user's settled balance (rebuilt from the ledger when Redis lost it)."""
        value = await self.store.balance(user)
        if value is None:
            value = await self.rebuild(user)
        return value

    async def available(self, user: str) -> int:
        """The balance less the live reservations."""
        return await self.balance(user) - await self.store.reserved(user)

    async def rebuild(self, user: str) -> int:
        """Sets the missing balance from the ledger's sum, under a lock; the balance."""
        redis = self.store.redis
        lock, token = Keys(user).lock, str(uuid.uuid4())
        deadline = asyncio.get_running_loop().time() + _LOCK_WAIT_SECONDS
        while not await redis.set(lock, token, nx=True, px=_LOCK_MS):
            if asyncio.get_running_loop().time() > deadline:
                raise MatewayError(ErrorCode.UNAVAILABLE, "The credit balance is being rebuilt.")
            await asyncio.sleep(0.02)
            value = await self.store.balance(user)
            if value is not None:
                return value  # another rebuild finished meanwhile
        try:
            return await self._install(user)
        finally:
            if await redis.get(lock) in (token, token.encode()):
                await redis.delete(lock)

    async def _install(self, user: str) -> int:
        existing = await self.store.balance(user)
        if existing is not None:
            return existing
        snapshot = await self.ledger.snapshot(user, self.marked_seconds)
        # Rows of the marker window may still commit (late): they are in this sum, so not again.
        await self.store.mark_counted(user, snapshot.recent)
        total, in_ledger = snapshot.total, snapshot.request_ids
        known: dict[str, bool] = {}
        for _ in range(_INSTALL_ROUNDS):
            value, unknown = await self.store.install(user, total, known)
            if value is not None:
                _log.info("credits balance rebuilt from the ledger", extra={"user": user})
                return value
            known.update({request_id: request_id in in_ledger for request_id in unknown})
        raise MatewayError(ErrorCode.UNAVAILABLE, "The credit balance could not be rebuilt.")

    def _entry(self, user: str, request_id: str, credits: int, usage: Usage) -> LedgerEntry:
        return LedgerEntry(
            "settle",
            user,
            request_id,
            credits,
            skill=usage.skill,
            tokens=usage.tokens,
            status=usage.status,
            parent_request_id=usage.parent_request_id,
        )

    async def _written(self, request_id: str) -> tuple[int, datetime]:
        """The charge an earlier attempt wrote for the request, and when."""
        row = await self.ledger.find(request_id)
        if row is None:  # refused as a duplicate yet unreadable: try again later
            raise MatewayError(ErrorCode.UNAVAILABLE, "The settled charge could not be read.")
        return -int(row["credits"]), created_at(row)

    async def _write(self, entry: LedgerEntry) -> bool:
        """Writes the row, retrying a few times; True when it is new."""
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                return await self.ledger.write(entry)
            except MatewayError as error:
                if error.code is not ErrorCode.UNAVAILABLE or attempt == _WRITE_ATTEMPTS - 1:
                    _log.error(
                        "credits ledger write failed",
                        extra={"request_id": entry.request_id, "code": error.code.value},
                    )
                    raise
                await asyncio.sleep(0.1 * (attempt + 1))
        return False
