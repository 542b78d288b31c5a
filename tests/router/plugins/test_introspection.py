"""plugins.introspection: __schema/__type refused in production unless enabled."""

from __future__ import annotations

from typing import Any

import pytest

from router.config import Mode
from router.plugins._edge import PluginConfigError
from tests.router.http.fixtures import client_for
from tests.router.plugins.support import error_code, router_with


async def _query(settings: dict[str, Any], query: str, mode: Mode = "production") -> Any:
    async with client_for(router_with({"introspection": settings}, mode)) as client:
        return (await client.post("/graphql", json={"query": query})).json()


async def test_schema_introspection_is_refused_in_production_by_default() -> None:
    body = await _query({}, "{ __schema { queryType { name } } }")
    assert error_code(body) == "INTROSPECTION_DISABLED"
    assert "data" not in body


async def test_type_introspection_hidden_in_a_fragment_is_refused() -> None:
    query = 'query { ...F } fragment F on Query { ... on Query { __type(name: "User") { name } } }'
    assert error_code(await _query({}, query)) == "INTROSPECTION_DISABLED"


async def test_typename_is_always_allowed() -> None:
    body = await _query({}, "{ __typename me { __typename name } }")
    assert body == {"data": {"__typename": "Query", "me": {"__typename": "User", "name": "Ada"}}}


async def test_introspection_is_allowed_in_development_mode() -> None:
    body = await _query({}, "{ __schema { queryType { name } } }", mode="development")
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_introspection_can_be_enabled_explicitly_in_production() -> None:
    body = await _query({"enabled": True}, '{ __type(name: "User") { name } }')
    assert body == {"data": {"__type": {"name": "User"}}}


async def test_introspection_can_be_disabled_explicitly_in_development() -> None:
    body = await _query({"enabled": False}, "{ __schema { types { name } } }", "development")
    assert error_code(body) == "INTROSPECTION_DISABLED"


def test_bad_introspection_config_fails_at_startup() -> None:
    with pytest.raises(PluginConfigError, match=r"plugins\.introspection: enabled"):
        router_with({"introspection": {"enabled": "sometimes"}})
