"""Open subscriptions end when their caller is revoked or their access token expires.

Real router on uvicorn (its own event loop and thread), real Valkey for the revocation
feed, the ticker app streaming every 50 ms; revocations through the real writers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
from redis.asyncio import Redis

from shared.auth.revocation import CHANNEL, revoke_session, revoke_user
from tests.router.plugins.identity_fixtures.ticker.schema import PROBE
from tests.router.plugins.stream_end_probe import ENDED
from tests.router.plugins.stream_revocation_support import (
    new_user,
    serve_ticker_router,
    sse_subscriber,
    token_of,
    unauthenticated_reason,
    ws_subscriber,
)
from tests.shared.conftest import ValkeyServer
from tests.support.servers import UvicornThread
from tests.support.waiting import eventually

Serve = Callable[[Any], UvicornThread]


async def test_revoked_session_ends_its_websocket_and_sse_subscriptions_not_another_users(
    serve_asgi: Serve, edge_valkey: ValkeyServer, revocations_redis: Redis
) -> None:
    router = await serve_ticker_router(serve_asgi, edge_valkey)
    alice, bob = new_user(), new_user()
    baseline = PROBE.open
    async with (
        ws_subscriber(router.url, token_of(alice)) as alice_ws,
        ws_subscriber(router.url, token_of(bob)) as bob_ws,
        sse_subscriber(router.url, token_of(alice)) as alice_sse,
    ):
        await alice_ws.subscribe()
        await bob_ws.subscribe()
        assert (await alice_ws.tick()).endswith(str(alice.user_id))
        assert (await bob_ws.tick()).endswith(str(bob.user_id))
        assert (await alice_sse.next_event())[0] == "next"
        await eventually(lambda: router.edge.streams.watching == 3)
        started = time.monotonic()
        await revoke_session(revocations_redis, str(alice.session_id))  # what logout calls
        ws_ending = await alice_ws.until_ended()
        ws_seconds = time.monotonic() - started
        sse_ending = await alice_sse.until_ended()
        sse_seconds = time.monotonic() - started
        bob_ticks = [await bob_ws.tick() for _ in range(5)]  # still streaming
        await eventually(lambda: PROBE.open == baseline + 1)  # alice's two closed upstream
    # graphql-transport-ws: the errors as the last `next`, then `complete` (as a failed subgraph).
    assert [message["type"] for message in ws_ending] == ["next", "complete"]
    assert unauthenticated_reason(ws_ending[0]["payload"]["errors"]) == "revoked"
    assert [event for event, _ in sse_ending] == ["next", "complete"]
    assert unauthenticated_reason(sse_ending[0][1]["errors"]) == "revoked"
    assert ws_seconds < 0.5 and sse_seconds < 0.5, (ws_seconds, sse_seconds)
    assert all(tick.endswith(str(bob.user_id)) for tick in bob_ticks)
    # The normal clean-up ran for each, as on a client's complete (credits settle there).
    await eventually(lambda: ENDED.count(str(alice.user_id)) == 2)
    print(f"\nended {ws_seconds * 1000:.1f} ms (WebSocket), {sse_seconds * 1000:.1f} ms (SSE)")


async def test_disabled_user_ends_every_subscription_of_theirs(
    serve_asgi: Serve, edge_valkey: ValkeyServer, revocations_redis: Redis
) -> None:
    router = await serve_ticker_router(serve_asgi, edge_valkey)
    carol = new_user()
    async with (
        ws_subscriber(router.url, token_of(carol)) as ws,
        sse_subscriber(router.url, token_of(carol)) as sse,
    ):
        await ws.subscribe("a")
        await ws.subscribe("b")
        for _ in range(2):
            assert (await ws.receive())["type"] == "next"
        assert (await sse.next_event())[0] == "next"
        await revoke_user(revocations_redis, str(carol.user_id))  # an admin disabling carol
        first = await ws.until_ended()
        second = await ws.until_ended()
        sse_ending = await sse.until_ended()
    ended = {message["id"] for message in first + second if message["type"] == "complete"}
    assert ended == {"a", "b"}
    assert unauthenticated_reason(first[0]["payload"]["errors"]) == "revoked"
    assert unauthenticated_reason(sse_ending[0][1]["errors"]) == "revoked"
    await eventually(lambda: router.edge.streams.watching == 0)


async def test_revocation_from_another_router_process_arrives_over_the_feed(
    serve_asgi: Serve, edge_valkey: ValkeyServer, revocations_redis: Redis
) -> None:
    router = await serve_ticker_router(serve_asgi, edge_valkey)
    dan = new_user()
    async with ws_subscriber(router.url, token_of(dan)) as ws:
        await ws.subscribe()
        await ws.tick()
        await eventually(lambda: router.edge.feed is not None and router.edge.feed.healthy)
        # Only the channel: a writer in another process never touches this one's list.
        started = time.monotonic()
        await revocations_redis.publish(CHANNEL, f"session:{dan.session_id}")
        ending = await ws.until_ended()
        seconds = time.monotonic() - started
    assert unauthenticated_reason(ending[0]["payload"]["errors"]) == "revoked"
    assert seconds < 0.5, seconds
    print(f"\nended {seconds * 1000:.1f} ms after the channel message")


async def test_revocation_of_an_unknown_session_or_another_user_changes_nothing(
    serve_asgi: Serve, edge_valkey: ValkeyServer, revocations_redis: Redis
) -> None:
    router = await serve_ticker_router(serve_asgi, edge_valkey)
    erin = new_user()
    async with (
        ws_subscriber(router.url, token_of(erin)) as ws,
        sse_subscriber(router.url, token_of(erin)) as sse,
    ):
        await ws.subscribe()
        await ws.tick()
        await revoke_session(revocations_redis, "no-such-session")
        await revoke_user(revocations_redis, new_user().user_id or "")
        await revocations_redis.publish(CHANNEL, "garbage-entry")
        ticks = [await ws.tick() for _ in range(8)]  # 400 ms of ticks after them
        events = [(await sse.next_event())[0] for _ in range(8)]
    assert all(tick.endswith(str(erin.user_id)) for tick in ticks)
    assert events == ["next"] * 8
    assert router.edge.streams.ended == 0


async def test_token_issued_after_a_user_cut_off_keeps_its_subscription(
    serve_asgi: Serve, edge_valkey: ValkeyServer, revocations_redis: Redis
) -> None:
    router = await serve_ticker_router(serve_asgi, edge_valkey)
    fay = new_user()
    await revoke_user(revocations_redis, str(fay.user_id))
    await asyncio.sleep(2.1)  # iat has whole seconds; the cut-off is the next second
    async with ws_subscriber(router.url, token_of(fay)) as ws:
        await ws.subscribe()
        await ws.tick()
        await revocations_redis.publish(
            CHANNEL, f"user:{fay.user_id}@{int(time.time()) - 5}"
        )  # older
        ticks = [await ws.tick() for _ in range(5)]
    assert len(ticks) == 5 and router.edge.streams.ended == 0


async def test_expired_token_ends_the_connections_operations_and_refuses_new_ones(
    serve_asgi: Serve, edge_valkey: ValkeyServer
) -> None:
    router = await serve_ticker_router(serve_asgi, edge_valkey)
    gus = new_user()
    token = token_of(gus, ttl=timedelta(seconds=1))
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    async with ws_subscriber(router.url, token) as ws:
        await ws.subscribe("a")
        await ws.subscribe("b")
        for _ in range(2):
            assert (await ws.receive())["type"] == "next"
        await eventually(lambda: router.edge.streams.watching == 2)
        timers = router.edge.streams.timers  # both operations share the connection's token
        first = await ws.until_ended(wait_seconds=10)
        ended_at = time.time()
        second = await ws.until_ended()
        await ws.subscribe("c")  # the connection's token no longer authorises anything
        refused = await ws.receive()
    assert timers == 1
    # When the token stops verifying: exp plus the 5 s clock leeway every verifier allows.
    assert expires + 5 - 0.1 <= ended_at <= expires + 5 + 1.0, ended_at - expires
    for ending in (first, second):
        assert unauthenticated_reason(ending[0]["payload"]["errors"]) == "expired"
    assert (refused["id"], refused["type"]) == ("c", "error")
    assert unauthenticated_reason(refused["payload"]) == "expired"
    await eventually(lambda: router.edge.streams.timers == 0)


async def test_expired_token_ends_an_sse_subscription(
    serve_asgi: Serve, edge_valkey: ValkeyServer
) -> None:
    router = await serve_ticker_router(serve_asgi, edge_valkey)
    hal = new_user()
    token = token_of(hal, ttl=timedelta(seconds=1))
    async with sse_subscriber(router.url, token) as sse:
        assert (await sse.next_event())[0] == "next"
        ending = await sse.until_ended(wait_seconds=10)
    assert unauthenticated_reason(ending[0][1]["errors"]) == "expired"
    await eventually(lambda: router.edge.streams.timers == 0)


async def test_client_complete_before_expiry_cancels_the_timer(
    serve_asgi: Serve, edge_valkey: ValkeyServer
) -> None:
    router = await serve_ticker_router(serve_asgi, edge_valkey)
    ida = new_user()
    async with ws_subscriber(router.url, token_of(ida)) as ws:
        await ws.subscribe()
        await ws.tick()
        await eventually(lambda: router.edge.streams.timers == 1)
        await ws.ws.send('{"id": "1", "type": "complete"}')
        await eventually(lambda: router.edge.streams.timers == 0)
        assert router.edge.streams.watching == 0
    assert router.edge.streams.ended == 0
