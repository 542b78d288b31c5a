"""Credits against real Valkey and Directus: reservations, settlement policy, the ledger."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest
from redis.exceptions import RedisError

from shared.credits import Credits, LedgerEntry, Quoted, Usage
from shared.errors import ErrorCode, MatewayError
from tests.shared.conftest import ValkeyServer
from tests.shared.credits.worker_support import age_ledger_row, commit_cut, hold_expired

NewUser = Callable[[], Awaitable[str]]
DB = 5  # the credits fixture's database
HOLD_SECONDS = 1.0  # a short hold, so a test can wait for it to expire


def rid() -> str:
    return f"test:{uuid.uuid4()}"


async def funded(credits: Credits, new_user: NewUser, amount: int) -> str:
    user = await new_user()
    await credits.grant(user, amount, "test funds")
    return user


async def test_grant_writes_a_ledger_row_and_sets_the_balance(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 100)
    assert await credits.balance(user) == 100
    total = (await credits.ledger.snapshot(user, 60)).total
    assert total == 100


async def test_reserve_fails_when_balance_less_reserved_is_below_cost(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 25)
    await credits.reserve(user, rid(), 10)
    await credits.reserve(user, rid(), 10)
    with pytest.raises(MatewayError) as raised:
        await credits.reserve(user, rid(), 10)
    assert raised.value.code is ErrorCode.INSUFFICIENT_CREDITS
    assert raised.value.context == {"cost": 10, "available": 5}
    assert await credits.available(user) == 5


async def test_settle_below_reservation_charges_actual_and_frees_the_rest(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 100)
    request = rid()
    await credits.reserve(user, request, 10)
    assert await credits.settle(user, request, Usage(4, tokens=120, skill="chat")) == 4
    assert await credits.balance(user) == 96
    assert await credits.available(user) == 96
    row = await credits.ledger.find(request)
    assert row is not None
    assert (row["credits"], row["tokens"], row["kind"], row["skill"]) == (-4, 120, "settle", "chat")


async def test_settle_above_reservation_charges_actual_while_the_balance_allows(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 30)
    request = rid()
    await credits.reserve(user, request, 10)
    assert await credits.settle(user, request, Usage(25)) == 25
    assert await credits.balance(user) == 5


async def test_settle_above_reservation_is_capped_so_the_balance_never_goes_negative(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 30)
    held, request = rid(), rid()
    await credits.reserve(user, held, 15)  # another request's live reservation
    await credits.reserve(user, request, 10)
    assert await credits.settle(user, request, Usage(40)) == 15  # 30 - 15 held elsewhere
    assert await credits.balance(user) == 15
    assert await credits.settle(user, held, Usage(15)) == 15
    assert await credits.balance(user) == 0
    total = (await credits.ledger.snapshot(user, 60)).total
    assert total == 0


async def test_settling_twice_charges_once_and_writes_one_row(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 50)
    request = rid()
    await credits.reserve(user, request, 10)
    assert await credits.settle(user, request, Usage(10)) == 10
    assert await credits.settle(user, request, Usage(10)) == 10
    assert await credits.balance(user) == 40
    snapshot = await credits.ledger.snapshot(user, 60)
    assert snapshot.total == 40 and request in snapshot.request_ids


async def test_release_frees_the_reservation_without_a_ledger_row(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 10)
    request = rid()
    await credits.reserve(user, request, 10)
    assert await credits.available(user) == 0
    assert await credits.release(user, request) is True
    assert await credits.available(user) == 10
    assert await credits.ledger.find(request) is None


async def test_concurrent_reservations_never_overdraw(credits: Credits, new_user: NewUser) -> None:
    user = await funded(credits, new_user, 100)

    async def attempt() -> bool:
        try:
            await credits.reserve(user, rid(), 10)
        except MatewayError:
            return False
        return True

    outcomes = await asyncio.gather(*(attempt() for _ in range(50)))
    assert sum(outcomes) == 10
    assert await credits.available(user) == 0


async def test_lost_balance_is_rebuilt_from_the_ledger(credits: Credits, new_user: NewUser) -> None:
    user = await funded(credits, new_user, 100)
    request = rid()
    await credits.reserve(user, request, 10)
    await credits.settle(user, request, Usage(10))
    await credits.store.redis.flushdb()
    assert await credits.balance(user) == 90
    # The settled request's retry after the flush finds the row: no second charge.
    assert await credits.settle(user, request, Usage(10)) == 10
    assert await credits.balance(user) == 90


async def test_settlement_while_the_balance_is_missing_is_counted_once(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 100)
    before, during = rid(), rid()
    await credits.reserve(user, before, 10)
    await credits.reserve(user, during, 10)
    await credits.settle(user, before, Usage(10))
    await credits.store.redis.delete(f"credits:{{{user}}}:balance")  # evicted, holds kept
    await credits.settle(user, during, Usage(7))  # lands in pending and in the ledger
    assert await credits.balance(user) == 83
    total = (await credits.ledger.snapshot(user, 60)).total
    assert total == 83


async def test_pending_settlement_missing_from_the_ledger_snapshot_is_added(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 100)
    request = rid()
    await credits.reserve(user, request, 10)
    await credits.store.redis.delete(f"credits:{{{user}}}:balance")
    # A commit that lands after the snapshot was read (simulated: its row is not written).
    assert await credits.store.commit(user, request, -6) is True
    assert await credits.rebuild(user) == 94


async def test_rebuild_counts_recent_rows_so_their_late_commit_does_not_charge_again(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 100)
    request = rid()
    await credits.reserve(user, request, 10)
    status, charge = await credits.store.quote(user, request, 10)
    assert (status, charge) == (Quoted.QUOTED, 10)
    await credits.ledger.write(LedgerEntry("settle", user, request, -10))
    await credits.store.redis.flushdb()  # lost between the ledger write and the commit
    assert await credits.balance(user) == 90
    assert await credits.store.commit(user, request, -10) is False
    assert await credits.balance(user) == 90


async def test_quote_holds_the_over_charge_until_it_commits(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 30)
    request = rid()
    await credits.reserve(user, request, 10)
    assert await credits.store.quote(user, request, 25) == (Quoted.QUOTED, 25)
    with pytest.raises(MatewayError):
        await credits.reserve(user, rid(), 10)  # only 5 left while the charge commits


async def test_concurrent_rebuilds_install_one_balance(credits: Credits, new_user: NewUser) -> None:
    user = await funded(credits, new_user, 70)
    await credits.store.redis.flushdb()
    values = await asyncio.gather(*(credits.balance(user) for _ in range(10)))
    assert values == [70] * 10


async def test_settle_without_reservation_writes_the_ledger_then_charges_once(
    credits: Credits, new_user: NewUser
) -> None:
    user = await funded(credits, new_user, 50)
    request = rid()  # never reserved, e.g. the reservation expired
    assert await credits.settle(user, request, Usage(5)) == 5
    assert await credits.settle(user, request, Usage(5)) == 5
    assert await credits.balance(user) == 45


async def test_a_retried_ledger_write_is_a_no_op(credits: Credits, new_user: NewUser) -> None:
    user = await new_user()
    entry = LedgerEntry("settle", user, rid(), -3, skill="reply", tokens=12, status="ok")
    assert await credits.ledger.write(entry) is True
    assert await credits.ledger.write(entry) is False  # RECORD_NOT_UNIQUE
    assert (await credits.ledger.snapshot(user, 60)).total == -3


async def settled_in_ledger_only(
    credits: Credits, valkey: ValkeyServer, user: str, request: str, cost: int, usage: Usage
) -> int:
    """Reserves with a short hold and settles with the commit cut; the ledger's charge, once
    the hold expired (the ledger has the charge, Redis neither it nor its hold)."""
    async with commit_cut(valkey.url(), DB, credits.ledger, HOLD_SECONDS) as (cut, proxy):
        await cut.reserve(user, request, cost)
        with pytest.raises(RedisError):
            await cut.settle(user, request, usage)
    assert proxy.dropped >= 1
    row = await credits.ledger.find(request)
    assert row is not None
    await hold_expired(credits.store.redis, user, request)
    return -int(row["credits"])


async def ledger_total(credits: Credits, user: str) -> int:
    return (await credits.ledger.snapshot(user, 60)).total


async def test_a_retry_after_a_partial_settlement_whose_hold_expired_charges_the_balance_once(
    credits: Credits, new_user: NewUser, valkey: ValkeyServer
) -> None:
    user = await funded(credits, new_user, 100)
    request = rid()
    assert await settled_in_ledger_only(credits, valkey, user, request, 10, Usage(7)) == 7
    assert await credits.balance(user) == 100  # the ledger has the charge, Redis does not
    assert await credits.settle(user, request, Usage(7)) == 7
    assert await credits.balance(user) == 93 == await ledger_total(credits, user)
    assert await credits.settle(user, request, Usage(7)) == 7  # a duplicate retry
    assert await credits.balance(user) == 93 == await ledger_total(credits, user)
    assert await credits.available(user) == 93


async def test_a_late_retry_applies_the_charge_the_ledger_holds_not_the_reported_usage(
    credits: Credits, new_user: NewUser, valkey: ValkeyServer
) -> None:
    user = await funded(credits, new_user, 30)
    other, request = rid(), rid()
    await credits.reserve(user, other, 15)  # another request's live reservation
    # 40 reported, capped to 15 so the balance stays >= 0: the ledger row says -15.
    assert await settled_in_ledger_only(credits, valkey, user, request, 10, Usage(40)) == 15
    assert await credits.settle(user, request, Usage(40)) == 15
    assert await credits.balance(user) == 15 == await ledger_total(credits, user)
    assert await credits.settle(user, other, Usage(15)) == 15
    assert await credits.balance(user) == 0 == await ledger_total(credits, user)


async def test_a_priced_charge_keeps_its_room_past_the_hold_ttl_until_its_retry_commits(
    credits: Credits, new_user: NewUser, valkey: ValkeyServer
) -> None:
    user = await funded(credits, new_user, 10)
    request = rid()
    async with commit_cut(valkey.url(), DB, credits.ledger, HOLD_SECONDS, 60.0) as (cut, _):
        await cut.reserve(user, request, 10)
        with pytest.raises(RedisError):
            await cut.settle(user, request, Usage(7))
    await asyncio.sleep(HOLD_SECONDS + 0.5)  # an unpriced hold would have expired by now
    with pytest.raises(MatewayError) as raised:
        await credits.reserve(user, rid(), 10)  # the room of the 7 in flight stays taken
    assert raised.value.context == {"cost": 10, "available": 3}
    assert await credits.settle(user, request, Usage(7)) == 7  # the worker's retry
    assert await credits.balance(user) == 3 == await ledger_total(credits, user)
    assert await credits.available(user) == 3


async def test_a_later_short_hold_does_not_cut_the_life_of_a_priced_one(
    credits: Credits, new_user: NewUser, valkey: ValkeyServer
) -> None:
    user = await funded(credits, new_user, 20)
    request = rid()
    async with commit_cut(valkey.url(), DB, credits.ledger, HOLD_SECONDS, 60.0) as (cut, _):
        await cut.reserve(user, request, 10)
        with pytest.raises(RedisError):
            await cut.settle(user, request, Usage(7))
        await cut.reserve(user, rid(), 10)  # a new 1 s hold, in the same holds hash
        assert await cut.available(user) == 3
        await asyncio.sleep(HOLD_SECONDS + 0.5)
        assert await cut.available(user) == 13  # the new hold expired, the priced one did not
    assert await credits.settle(user, request, Usage(7)) == 7
    assert await credits.available(user) == 13 == await ledger_total(credits, user)


async def test_a_rebuild_before_a_late_retry_counts_the_charge_once(
    credits: Credits, new_user: NewUser, valkey: ValkeyServer
) -> None:
    user = await funded(credits, new_user, 100)
    request = rid()
    await settled_in_ledger_only(credits, valkey, user, request, 10, Usage(7))
    # Written 20 minutes ago: past the hold's 15, within the worker's retries.
    await age_ledger_row(credits.ledger, request, 20 * 60)
    await credits.store.redis.flushdb()  # Redis lost the balance before the retry came
    assert await credits.balance(user) == 93  # rebuilt: the ledger's sum has the charge
    assert await credits.settle(user, request, Usage(7)) == 7
    assert await credits.balance(user) == 93 == await ledger_total(credits, user)


async def test_a_retry_older_than_the_settled_markers_is_not_applied(
    credits: Credits, new_user: NewUser, valkey: ValkeyServer
) -> None:
    user = await funded(credits, new_user, 100)
    request = rid()
    await settled_in_ledger_only(credits, valkey, user, request, 10, Usage(7))
    # Eight days on, Redis no longer knows whether it applied the row: it must not again.
    await age_ledger_row(credits.ledger, request, 8 * 24 * 3600)
    assert await credits.settle(user, request, Usage(7)) == 7
    assert await credits.balance(user) == 100
