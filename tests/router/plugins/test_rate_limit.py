"""plugins.rate_limit: token buckets in a real Valkey per caller and per root field."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from router.http.app import RouterApp
from router.plugins._edge import PluginConfigError
from tests.router.http.fixtures import client_for
from tests.router.plugins.fake_identity import PLUGIN as IDENTITY
from tests.router.plugins.support import error_code, router_with
from tests.shared.conftest import ValkeyServer, free_port

ME = {"query": "{ me { name } }"}
ADD = {"query": 'mutation { addReview(body: "x") { id } }'}


def _router(valkey_url: str, **section: Any) -> RouterApp:
    # A fresh key prefix per router: tests share one Valkey but never each other's buckets.
    settings = {"redis_url": valkey_url, "key_prefix": f"test:{uuid.uuid4().hex}:", **section}
    return router_with({IDENTITY: {}, "rate_limit": settings})


async def _statuses(
    client: httpx.AsyncClient, body: dict[str, Any], times: int, **headers: str
) -> list[int]:
    return [(await client.post("/graphql", json=body, headers=headers)).status_code
            for _ in range(times)]  # fmt: skip


async def test_anonymous_callers_are_limited_per_ip_with_429_and_retry_after(
    edge_valkey: ValkeyServer,
) -> None:
    app = _router(edge_valkey.url(), per_ip={"requests": 2, "per_seconds": 60})
    async with client_for(app) as client:
        assert await _statuses(client, ME, 2) == [200, 200]
        refused = await client.post("/graphql", json=ME)
        other_ip = await client.post("/graphql", json=ME, headers={"x-forwarded-for": "10.9.9.9"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"  # one token of 2 per 60 s
    (error,) = refused.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 30}
    assert other_ip.status_code == 429  # X-Forwarded-For is not trusted by default


async def test_forwarded_for_names_the_ip_when_trusted(edge_valkey: ValkeyServer) -> None:
    app = _router(
        edge_valkey.url(), trust_forwarded_for=True, per_ip={"requests": 1, "per_seconds": 60}
    )
    async with client_for(app) as client:
        first = await _statuses(client, ME, 2, **{"x-forwarded-for": "10.0.0.1, 10.0.0.2"})
        second = await _statuses(client, ME, 1, **{"x-forwarded-for": "10.0.0.3"})
    assert first == [200, 429]
    assert second == [200]


async def test_users_and_api_keys_have_their_own_buckets(edge_valkey: ValkeyServer) -> None:
    app = _router(
        edge_valkey.url(),
        per_user={"requests": 1, "per_seconds": 60},
        per_api_key={"requests": 2, "per_seconds": 60},
    )
    async with client_for(app) as client:
        ada = await _statuses(client, ME, 2, **{"x-test-user": "ada"})
        bob = await _statuses(client, ME, 1, **{"x-test-user": "bob"})
        key = await _statuses(client, ME, 3, **{"x-test-api-key": "k1"})
        anonymous = await _statuses(client, ME, 3)
    assert ada == [200, 429]
    assert bob == [200]
    assert key == [200, 200, 429]
    assert anonymous == [200, 200, 200]  # no per_ip limit configured


async def test_an_operation_limit_applies_only_to_its_root_field(
    edge_valkey: ValkeyServer,
) -> None:
    app = _router(edge_valkey.url(), operations={"addReview": {"requests": 1, "per_seconds": 60}})
    aliased = {"query": 'mutation { other: addReview(body: "y") { id } }'}
    async with client_for(app) as client:
        first = await _statuses(client, ADD, 1, **{"x-test-user": "ada"})
        again = await client.post("/graphql", json=aliased, headers={"x-test-user": "ada"})
        reads = await _statuses(client, ME, 3, **{"x-test-user": "ada"})
        other_user = await _statuses(client, ADD, 1, **{"x-test-user": "bob"})
    assert first == [200]
    assert again.status_code == 429 and error_code(again.json()) == "RATE_LIMITED"
    assert reads == [200, 200, 200]
    assert other_user == [200]


async def test_a_glob_groups_root_fields_in_one_bucket(edge_valkey: ValkeyServer) -> None:
    app = _router(edge_valkey.url(), operations={"add*": {"requests": 1, "per_seconds": 60}})
    async with client_for(app) as client:
        statuses = await _statuses(client, ADD, 2, **{"x-test-user": "ada"})
        reads = await _statuses(client, ME, 2, **{"x-test-user": "ada"})
    assert statuses == [200, 429]
    assert reads == [200, 200]


async def test_a_refused_request_takes_no_token_from_other_buckets(
    edge_valkey: ValkeyServer,
) -> None:
    app = _router(
        edge_valkey.url(),
        per_user={"requests": 2, "per_seconds": 60},
        operations={"addReview": {"requests": 1, "per_seconds": 60}},
    )
    async with client_for(app) as client:
        statuses = await _statuses(client, ADD, 3, **{"x-test-user": "ada"})
        read = await _statuses(client, ME, 1, **{"x-test-user": "ada"})
    # The 2nd and 3rd mutations were refused by addReview's bucket without using ada's.
    assert statuses == [200, 429, 429]
    assert read == [200]


async def test_buckets_refill_over_time(edge_valkey: ValkeyServer) -> None:
    app = _router(edge_valkey.url(), per_ip={"requests": 1, "per_seconds": 0.2})
    async with client_for(app) as client:
        assert await _statuses(client, ME, 2) == [200, 429]
        await asyncio.sleep(0.25)
        assert await _statuses(client, ME, 1) == [200]


async def test_redis_down_fails_open_by_default(caplog: pytest.LogCaptureFixture) -> None:
    app = _router(f"redis://127.0.0.1:{free_port()}/0", per_ip={"requests": 1, "per_seconds": 60})
    async with client_for(app) as client:
        statuses = await _statuses(client, ME, 2)
        metrics = (await client.get("/metrics")).text
    assert statuses == [200, 200]
    assert "rate limit store unavailable, failing open" in caplog.text
    assert 'mateway_router_rate_limit_decisions_total{outcome="redis_error"} 2.0' in metrics


async def test_redis_down_fails_closed_when_configured() -> None:
    app = _router(
        f"redis://127.0.0.1:{free_port()}/0",
        fail_open=False,
        per_ip={"requests": 1, "per_seconds": 60},
    )
    async with client_for(app) as client:
        response = await client.post("/graphql", json=ME)
    assert response.status_code == 503
    assert error_code(response.json()) == "UNAVAILABLE"


@pytest.mark.parametrize(
    ("section", "mentions"),
    [
        ({"per_ip": {"requests": 0, "per_seconds": 1}}, r"per_ip\.requests"),
        ({"operations": {"login": {"requests": 5}}}, r"operations\.login\.per_seconds"),
        ({"per_host": {}}, "per_host"),
    ],
)
def test_bad_rate_limit_config_fails_at_startup(section: dict[str, Any], mentions: str) -> None:
    with pytest.raises(PluginConfigError, match=rf"plugins\.rate_limit: .*{mentions}"):
        router_with({"rate_limit": section})


async def test_subscriptions_over_sse_are_limited_with_retry_after(
    edge_valkey: ValkeyServer,
) -> None:
    app = _router(edge_valkey.url(), per_ip={"requests": 1, "per_seconds": 10})
    body = {"query": "subscription { reviewAdded(count: 1) { body } }"}
    sse = {"accept": "text/event-stream"}
    async with client_for(app) as client:
        first = await client.post("/graphql", json=body, headers=sse)
        second = await client.post("/graphql", json=body, headers=sse)
    assert first.status_code == 200 and "event: next" in first.text
    assert second.status_code == 429
    assert second.headers["retry-after"] == "10"
    assert error_code(second.json()) == "RATE_LIMITED"
