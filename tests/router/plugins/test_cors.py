"""plugins.cors: exact-origin allowlist, preflights, and web-only operations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from router.http.app import RouterApp
from router.plugins._edge import PluginConfigError
from tests.router.http.fixtures import client_for
from tests.router.plugins.fake_identity import PLUGIN as IDENTITY
from tests.router.plugins.support import error_code, router_with

WEB = "https://chat.example.com"
EVIL = "https://evil.example.net"
ME = {"query": "{ me { name } }"}
ADD = {"query": 'mutation { addReview(body: "x") { id } }'}


def _router(**section: Any) -> RouterApp:
    return router_with({IDENTITY: {}, "cors": {"allow_origins": [WEB], **section}})


def _preflight(origin: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }


async def test_preflight_from_an_allowed_origin_lists_methods_and_headers() -> None:
    async with client_for(_router()) as client:
        response = await client.options("/graphql", headers=_preflight(WEB))
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == WEB
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-allow-methods"] == "GET, POST"
    assert "content-type" in response.headers["access-control-allow-headers"]
    assert "x-mateway-csrf" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-max-age"] == "600"
    assert response.headers["vary"] == "Origin"


async def test_preflight_from_another_origin_is_refused_without_cors_headers() -> None:
    async with client_for(_router()) as client:
        response = await client.options("/graphql", headers=_preflight(EVIL))
        plain_options = await client.options("/graphql")
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    assert plain_options.status_code == 405  # not a preflight: the router's usual answer


async def test_answers_carry_cors_headers_only_for_allowed_origins() -> None:
    async with client_for(_router()) as client:
        allowed = await client.post("/graphql", json=ME, headers={"origin": WEB})
        other = await client.post("/graphql", json=ME, headers={"origin": EVIL})
        health = await client.get("/health", headers={"origin": WEB})
    assert allowed.json() == {"data": {"me": {"name": "Ada"}}}
    assert allowed.headers["access-control-allow-origin"] == WEB
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert allowed.headers["access-control-expose-headers"] == "retry-after"
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-credentials" not in other.headers
    assert other.headers["vary"] == "Origin"
    assert health.headers["access-control-allow-origin"] == WEB


async def test_wildcard_without_credentials_allows_any_origin() -> None:
    app = router_with({"cors": {"allow_origins": ["*"], "allow_credentials": False}})
    async with client_for(app) as client:
        response = await client.post("/graphql", json=ME, headers={"origin": EVIL})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


async def _add(client: httpx.AsyncClient, **headers: str) -> httpx.Response:
    return await client.post("/graphql", json=ADD, headers=headers)


async def test_web_only_operations_need_a_web_origin_and_no_api_key() -> None:
    async with client_for(_router(web_only_operations=["addReview"])) as client:
        from_web = await _add(client, origin=WEB, **{"x-test-user": "1"})
        no_origin = await _add(client)
        other_origin = await _add(client, origin=EVIL)
        api_key = await _add(client, origin=WEB, **{"x-test-api-key": "k"})
        other_field = await client.post("/graphql", json=ME, headers={"origin": EVIL})
    assert from_web.json() == {"data": {"addReview": {"id": "new"}}}
    for refused in (no_origin, other_origin, api_key):
        assert refused.status_code == 403
        assert error_code(refused.json()) == "FORBIDDEN_ORIGIN"
    assert "API key" in api_key.json()["errors"][0]["message"]
    assert other_field.json() == {"data": {"me": {"name": "Ada"}}}


async def test_web_only_origins_can_differ_from_the_cors_allowlist() -> None:
    admin = "https://admin.example.com"
    app = _router(web_only_operations=["addReview"], web_only_origins=[admin])
    async with client_for(app) as client:
        from_chat = await _add(client, origin=WEB)
        from_admin = await _add(client, origin=admin)
    assert error_code(from_chat.json()) == "FORBIDDEN_ORIGIN"
    assert from_admin.json() == {"data": {"addReview": {"id": "new"}}}


async def test_web_only_field_in_a_fragment_is_still_checked() -> None:
    query = 'mutation { ...M } fragment M on Mutation { a: addReview(body: "x") { id } }'
    async with client_for(_router(web_only_operations=["addReview"])) as client:
        response = await client.post("/graphql", json={"query": query}, headers={"origin": EVIL})
    assert error_code(response.json()) == "FORBIDDEN_ORIGIN"


@pytest.mark.parametrize(
    ("section", "mentions"),
    [
        ({"allow_origins": ["*"]}, "cannot be used with allow_credentials"),
        ({"allow_origins": ["https://chat.example.com/"]}, "is not an origin"),
        ({"allow_origins": ["chat.example.com"]}, "is not an origin"),
        ({"allow_origins": [WEB], "web_only_origins": ["*"]}, "exact origins"),
        ({"allow_origin": [WEB]}, "allow_origin"),
    ],
)
def test_bad_cors_config_fails_at_startup(section: dict[str, Any], mentions: str) -> None:
    with pytest.raises(PluginConfigError, match=rf"plugins\.cors: .*{mentions}"):
        router_with({"cors": section})
