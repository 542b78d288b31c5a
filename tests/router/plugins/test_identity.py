"""plugins.identity: bearer tokens to ctx.identity, internal tokens to subgraphs, revocation."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import jwt
import pytest
from websockets.asyncio.client import connect

from router.config import RouterConfig
from router.http.runtime import build_router
from shared.auth import issue_access_token
from shared.auth.internal import InternalTokenMinter
from shared.auth.revocation import revoke_session, revoke_user
from shared.identity import INTERNAL_TOKEN_HEADER, CallerKind, Identity, Role
from shared.redis import create_redis
from tests.router.plugins.identity_fixtures.whoami.app import app as whoami_app
from tests.router.plugins.identity_support import claims_of, compose_apps, identity_router, whoami
from tests.shared.conftest import ValkeyServer
from tests.support.identity import internal_headers, signing_keys, user_identity

APPS = {"whoami": whoami_app}


def _token(identity: Identity, **kwargs: object) -> str:
    return issue_access_token(identity, keys=signing_keys(), **kwargs)  # type: ignore[arg-type]


def _config(valkey: ValkeyServer) -> dict[str, object]:
    return {"redis_url": valkey.url(5)}


async def test_no_token_reaches_the_subgraph_as_anonymous(edge_valkey: ValkeyServer) -> None:
    async with identity_router(APPS, _config(edge_valkey)) as (_, _edge, client):
        response = await whoami(client)
    assert claims_of(response) == {"kind": "anonymous", "role": "anonymous"}


async def test_access_token_identity_is_passed_to_the_subgraph_resolver(
    edge_valkey: ValkeyServer,
) -> None:
    alice = user_identity("alice", Role.ADMIN)
    async with identity_router(APPS, _config(edge_valkey)) as (_, _edge, client):
        response = await whoami(client, _token(alice))
    assert claims_of(response) == {
        "kind": "user",
        "role": "admin",
        "sub": "alice",
        "sid": alice.session_id,
    }


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("not-a-jwt", "malformed"),
        ("mw_short", "malformed"),
        ("EXPIRED", "expired"),
        ("FOREIGN", "bad_signature"),
    ],
)
async def test_bad_token_is_401_unauthenticated_with_a_challenge(
    edge_valkey: ValkeyServer, token: str, reason: str
) -> None:
    from shared.auth.keys import TokenKeys

    alice = user_identity("alice")
    if token == "EXPIRED":
        claims = {"iss": "mateway", "typ": "access", "sub": "a", "role": "user", "sid": "s"}
        token = jwt.encode(
            {**claims, "iat": 1, "exp": 2}, signing_keys().access_private, algorithm="EdDSA"
        )
    elif token == "FOREIGN":
        token = issue_access_token(alice, keys=TokenKeys.from_secret("another-platform"))
    async with identity_router(APPS, _config(edge_valkey)) as (_, _edge, client):
        response = await whoami(client, token)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer realm="mateway"')
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": reason}


async def test_non_bearer_authorization_is_refused(edge_valkey: ValkeyServer) -> None:
    async with identity_router(APPS, _config(edge_valkey)) as (_, _edge, client):
        response = await client.post(
            "/graphql", json={"query": "{ whoami }"}, headers={"authorization": "Basic eDp5"}
        )
    assert response.status_code == 401
    assert "Bearer" in response.json()["errors"][0]["message"]


async def test_revoked_session_is_refused_on_the_very_next_request(
    edge_valkey: ValkeyServer,
) -> None:
    bob = user_identity("bob")
    other_session = Identity(
        kind=CallerKind.USER, role=Role.USER, user_id="bob", session_id="another-device"
    )
    redis = create_redis(edge_valkey.url(5))
    try:
        async with identity_router(APPS, _config(edge_valkey)) as (_, _edge, client):
            assert (await whoami(client, _token(bob))).status_code == 200
            await revoke_session(redis, str(bob.session_id))
            refused = await whoami(client, _token(bob))
            kept = await whoami(client, _token(other_session))
    finally:
        await redis.aclose()
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["reason"] == "revoked"
    assert kept.status_code == 200


async def test_revoked_user_tokens_stop_but_a_new_sign_in_works(
    edge_valkey: ValkeyServer,
) -> None:
    carol = user_identity("carol")
    old = _token(carol)
    redis = create_redis(edge_valkey.url(5))
    try:
        async with identity_router(APPS, _config(edge_valkey)) as (_, _edge, client):
            await revoke_user(redis, "carol")
            refused = await whoami(client, old)
            await asyncio.sleep(2.1)  # iat has whole seconds; the cut-off is the next second
            fresh = await whoami(client, _token(carol))
    finally:
        await redis.aclose()
    assert refused.status_code == 401
    assert fresh.status_code == 200


async def test_revocations_stored_before_start_are_loaded(edge_valkey: ValkeyServer) -> None:
    dave = user_identity("dave")
    redis = create_redis(edge_valkey.url(5))
    try:
        await revoke_session(redis, str(dave.session_id))
        # A router started after the revocation (a new RevocationList) learns it from Redis.
        async with identity_router(APPS, _config(edge_valkey)) as (_, edge, client):
            response = await whoami(client, _token(dave))
            assert edge.feed is not None and edge.feed.healthy
    finally:
        await redis.aclose()
    assert response.status_code == 401


async def test_internal_tokens_are_minted_once_per_identity_not_per_request(
    edge_valkey: ValkeyServer,
) -> None:
    token = _token(user_identity("erin"))
    async with identity_router(APPS, _config(edge_valkey)) as (_, edge, client):
        for _ in range(5):
            assert (await whoami(client, token)).status_code == 200
            assert (await whoami(client)).status_code == 200
    assert edge.minter.minted == 2  # erin and anonymous


async def test_subscription_carries_the_identity_from_connection_init(
    edge_valkey: ValkeyServer, serve_asgi: object
) -> None:
    frank = user_identity("frank")
    sdl, transports = await compose_apps(APPS)
    config = RouterConfig(mode="development", plugins={"identity": _config(edge_valkey)})
    # uvicorn runs the router's lifespan (revocation feed start and stop) in its own loop.
    server = serve_asgi(build_router(sdl, config, transports))  # type: ignore[operator]
    url = server.url.replace("http", "ws") + "/graphql"
    async with asyncio.timeout(10), connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        init = {"authorization": f"Bearer {_token(frank)}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        query = "subscription { callerEvents }"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        message = json.loads(await ws.recv())
    assert message["type"] == "next", message
    assert json.loads(message["payload"]["data"]["callerEvents"])["sub"] == "frank"


async def _call_whoami_directly(headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=whoami_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://whoami") as client:
        return await client.post("/graphql", json={"query": "{ whoami }"}, headers=headers)


async def test_subgraph_refuses_calls_without_an_internal_token() -> None:
    response = await _call_whoami_directly({})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_subgraph_refuses_forged_and_misused_tokens() -> None:
    from shared.auth.keys import TokenKeys

    admin = user_identity("mallory", Role.ADMIN)
    forged = InternalTokenMinter(TokenKeys.from_secret("guessed")).token_for(admin)
    # A real access token is no internal token (other key, other type, no audience).
    access = _token(admin)
    for token in (forged, access, "garbage"):
        response = await _call_whoami_directly({INTERNAL_TOKEN_HEADER: token})
        assert response.status_code == 401, token
    ok = await _call_whoami_directly(internal_headers(admin))
    assert json.loads(ok.json()["data"]["whoami"])["sub"] == "mallory"


async def test_subgraph_health_and_metrics_need_no_token() -> None:
    transport = httpx.ASGITransport(app=whoami_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://whoami") as client:
        assert (await client.get("/health")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200


async def test_subgraph_websocket_without_a_token_is_refused(serve_asgi: object) -> None:
    server = serve_asgi(whoami_app)  # type: ignore[operator]
    url = server.url.replace("http", "ws") + "/graphql"
    with pytest.raises(Exception, match=r"403|4401"):
        async with asyncio.timeout(5), connect(url, subprotocols=["graphql-transport-ws"]):
            pass


def test_identity_plugin_is_first_and_on_by_default() -> None:
    from router.config import RouterConfig

    config = RouterConfig(plugins={"limits": {}, "identity": {"api_key_cache_seconds": 5}})
    assert list(config.plugin_sections()) == ["identity", "introspection", "limits", "auth"]
    assert RouterConfig().plugin_sections() == {"identity": {}, "introspection": {}, "auth": {}}


async def test_access_token_lifetime_is_honoured(edge_valkey: ValkeyServer) -> None:
    short = _token(user_identity("gina"), ttl=timedelta(seconds=1))
    async with identity_router(APPS, _config(edge_valkey)) as (_, _edge, client):
        assert (await whoami(client, short)).status_code == 200
        await asyncio.sleep(7)  # past the expiry and the 5 s clock leeway
        assert (await whoami(client, short)).status_code == 401
