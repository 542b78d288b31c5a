"""plugins.csrf: requests a browser could send cross-site without a preflight are refused."""

from __future__ import annotations

from typing import Any

import pytest

from router.http.app import RouterApp
from router.plugins._edge import PluginConfigError
from tests.router.http.fixtures import client_for
from tests.router.plugins.support import error_code, router_with

ME = {"query": "{ me { name } }"}


def _router(**section: Any) -> RouterApp:
    return router_with({"csrf": section})


async def test_json_posts_are_preflighted_and_run() -> None:
    async with client_for(_router()) as client:
        response = await client.post("/graphql", json=ME)
    assert response.json() == {"data": {"me": {"name": "Ada"}}}


async def test_get_without_a_custom_header_is_refused() -> None:
    async with client_for(_router()) as client:
        response = await client.get("/graphql", params=ME)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "CSRF_PREVENTED"}
    assert "apollo-require-preflight" in error["message"]


@pytest.mark.parametrize("header", ["apollo-require-preflight", "x-mateway-csrf"])
async def test_get_with_a_custom_header_runs(header: str) -> None:
    async with client_for(_router()) as client:
        response = await client.get("/graphql", params=ME, headers={header: "1"})
    assert response.json() == {"data": {"me": {"name": "Ada"}}}


async def test_an_empty_custom_header_does_not_count() -> None:
    async with client_for(_router()) as client:
        response = await client.get("/graphql", params=ME, headers={"x-mateway-csrf": ""})
    assert error_code(response.json()) == "CSRF_PREVENTED"


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
async def test_simple_content_types_never_run(content_type: str) -> None:
    body = b'{"query": "{ me { name } }"}'
    async with client_for(_router()) as client:
        response = await client.post(
            "/graphql", content=body, headers={"content-type": content_type}
        )
    assert response.status_code in (400, 415)  # refused by the guard or the body reader
    assert "data" not in response.json()


def test_simple_content_types_need_the_header_in_the_guard_itself() -> None:
    from router.plugins.csrf import preflighted

    required = frozenset({"apollo-require-preflight"})
    multipart = {"content-type": "multipart/form-data; boundary=x"}
    assert not preflighted(multipart, required)
    assert preflighted({**multipart, "apollo-require-preflight": "true"}, required)
    assert preflighted({"content-type": "application/json; charset=utf-8"}, required)
    assert not preflighted({"content-type": "Text/Plain"}, required)
    assert not preflighted({}, required)


async def test_configured_required_headers_replace_the_defaults() -> None:
    async with client_for(_router(required_headers=["x-requested-with"])) as client:
        custom = await client.get("/graphql", params=ME, headers={"x-requested-with": "app"})
        default = await client.get("/graphql", params=ME, headers={"x-mateway-csrf": "1"})
    assert custom.json() == {"data": {"me": {"name": "Ada"}}}
    assert error_code(default.json()) == "CSRF_PREVENTED"


def test_bad_csrf_config_fails_at_startup() -> None:
    with pytest.raises(PluginConfigError, match=r"plugins\.csrf: required_headers"):
        router_with({"csrf": {"required_headers": []}})
