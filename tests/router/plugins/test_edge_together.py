"""The edge plugins together, from a YAML router config, as a deployment would set them."""

from __future__ import annotations

import uuid
from pathlib import Path

import orjson
import pytest

from router.config import RouterConfig
from router.plugins._edge import PluginConfigError
from router.plugins.persisted_manifest import write_manifest
from tests.router.http.fixtures import client_for, make_router
from tests.router.plugins.support import error_code
from tests.shared.conftest import ValkeyServer

WEB = "https://chat.example.com"
YAML = """
mode: production
plugins:
  tests.router.plugins.fake_identity: {{}}
  csrf: {{}}
  cors:
    allow_origins: [{web}]
    web_only_operations: [addReview]
  persisted_documents:
    manifest: {manifest}
    apq: {{store: memory}}
  rate_limit:
    redis_url: {redis}
    key_prefix: "{prefix}"
    per_ip: {{requests: 100, per_seconds: 60}}
    per_api_key: {{requests: 2, per_seconds: 60}}
  limits: {{max_depth: 4, max_aliases: 3, max_tokens: 200}}
  introspection: {{}}
"""
ME = "query Me { me { name } }"


def _config(tmp_path: Path, valkey: ValkeyServer) -> RouterConfig:
    manifest = tmp_path / "persisted-documents.json"
    write_manifest(manifest, [ME])
    path = tmp_path / "router.yaml"
    prefix = f"edge:{uuid.uuid4().hex}:"
    path.write_text(YAML.format(web=WEB, manifest=manifest, redis=valkey.url(), prefix=prefix))
    return RouterConfig.load(path)


def _trusted_operation(config: RouterConfig) -> dict[str, str]:
    manifest = Path(config.plugins["persisted_documents"]["manifest"])
    (operation,) = orjson.loads(manifest.read_bytes())["operations"]
    return dict(operation)


async def test_a_browser_request_passes_every_plugin(
    tmp_path: Path, edge_valkey: ValkeyServer
) -> None:
    app = make_router(_config(tmp_path, edge_valkey))
    headers = {"origin": WEB, "x-test-user": "1"}
    mutation = {"query": 'mutation { addReview(body: "x") { body } }'}
    async with client_for(app) as client:
        response = await client.post("/graphql", json=mutation, headers=headers)
        introspection = await client.post(
            "/graphql", json={"query": "{ __schema { types { name } } }"}, headers=headers
        )
        deep = await client.post(
            "/graphql",
            json={"query": "{ me { reviews { author { reviews { body } } } } }"},
            headers=headers,
        )
        get = await client.get("/graphql", params={"query": ME}, headers=headers)
    assert response.json() == {"data": {"addReview": {"body": "x"}}}
    assert response.headers["access-control-allow-origin"] == WEB
    assert error_code(introspection.json()) == "INTROSPECTION_DISABLED"
    assert error_code(deep.json()) == "MAX_DEPTH_EXCEEDED"
    assert error_code(get.json()) == "CSRF_PREVENTED"


async def test_a_bot_runs_trusted_documents_within_its_rate_limit(
    tmp_path: Path, edge_valkey: ValkeyServer
) -> None:
    config = _config(tmp_path, edge_valkey)
    app = make_router(config)
    operation = _trusted_operation(config)
    key = {"x-test-api-key": "bot"}
    async with client_for(app) as client:
        trusted = [
            await client.post("/graphql", json={"documentId": operation["id"]}, headers=key)
            for _ in range(3)
        ]
        freeform = await client.post(
            "/graphql", json={"query": "{ reviews { body } }"}, headers=key
        )
        web_only = await client.post(
            "/graphql",
            json={"query": 'mutation { addReview(body: "x") { id } }'},
            headers={**key, "origin": WEB},
        )
    assert [r.status_code for r in trusted] == [200, 200, 429]
    assert trusted[0].json() == {"data": {"me": {"name": "Ada"}}}
    assert trusted[2].headers["retry-after"] == "30"
    assert error_code(trusted[2].json()) == "RATE_LIMITED"
    # Checks run in config order: cors, persisted documents, then rate limits.
    assert freeform.status_code == 403
    assert error_code(freeform.json()) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert web_only.status_code == 403
    assert error_code(web_only.json()) == "FORBIDDEN_ORIGIN"


async def test_subscriptions_over_sse_meet_the_limits_too(
    tmp_path: Path, edge_valkey: ValkeyServer
) -> None:
    app = make_router(_config(tmp_path, edge_valkey))
    deep = "subscription { reviewAdded { author { reviews { author { name } } } } }"
    async with client_for(app) as client:
        response = await client.post(
            "/graphql",
            json={"query": deep},
            headers={"accept": "text/event-stream", "x-test-user": "1"},
        )
    assert response.status_code == 400
    assert error_code(response.json()) == "MAX_DEPTH_EXCEEDED"


def test_an_unknown_plugin_setting_in_yaml_stops_the_router(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text("plugins:\n  limits: {max_depht: 3}\n")
    with pytest.raises(PluginConfigError, match=r"plugins\.limits: max_depht"):
        make_router(RouterConfig.load(path))
