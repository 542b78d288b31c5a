"""/health with dependency checks (Redis, a Celery worker, Directus, ...) beside the subgraphs."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from router.config import RouterConfig
from router.http.health import check_health, load_dependency_checks
from shared.auth.internal import verify_internal_token
from shared.auth.keys import TokenKeys
from shared.identity import INTERNAL_TOKEN_HEADER, CallerKind
from tests.router.http.fixtures import client_for, make_router


def _switchable(state: dict[str, bool], name: str):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        if not state[name]:
            raise ConnectionError(f"{name} refused the connection")
        return True

    return check


async def test_health_is_503_naming_the_dependency_that_is_down_and_200_when_it_is_back() -> None:
    state = {"valkey": True, "directus": True}
    router = make_router()
    router.dependency_checks.update({name: _switchable(state, name) for name in state})
    async with client_for(router) as client:
        healthy = await client.get("/health")
        state["valkey"] = False
        down = await client.get("/health")
        state["valkey"] = True
        back = await client.get("/health")
    assert healthy.status_code == 200
    assert healthy.json()["dependencies"]["directus"]["status"] == "up"
    assert down.status_code == 503
    body = down.json()
    assert body["message"] == "dependencies down: valkey"
    assert body["dependencies"]["valkey"]["status"] == "down"
    assert "refused" in body["dependencies"]["valkey"]["error"]
    assert body["subgraphs"]["accounts"] == {"status": "up"}
    assert back.status_code == 200


async def test_health_checks_load_from_factories_named_in_the_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("health_factory_for_test")

    async def never_up() -> bool:
        return False

    module.checks = lambda: {"celery-worker": never_up}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    config = RouterConfig(health_checks=[f"{module.__name__}:checks"])
    async with client_for(make_router(config)) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["message"] == "dependencies down: celery-worker"


def test_a_health_check_factory_must_be_module_colon_function() -> None:
    with pytest.raises(ValueError, match="module:function"):
        load_dependency_checks(["shared.platform.health"])


class _RecordingSubgraph:
    """A transport that answers the probe and keeps the headers it was sent."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        self.headers = dict(headers or {})
        return {"data": {"__typename": "Query"}}

    async def aclose(self) -> None:
        return None


async def test_subgraph_probes_carry_the_service_internal_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "a-signing-key-for-this-test-only-0123456789"
    monkeypatch.setenv("MATEWAY_SIGNING_KEY", secret)
    subgraph = _RecordingSubgraph()
    status, _ = await check_health({"core": subgraph}, 1.0)  # type: ignore[dict-item]
    assert status == 200
    identity, _ = verify_internal_token(
        subgraph.headers[INTERNAL_TOKEN_HEADER], keys=TokenKeys.from_secret(secret)
    )
    assert identity.kind is CallerKind.SERVICE
