"""plugins.persisted_documents: APQ (Apollo's protocol) and the trusted-documents manifest."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from router.http.app import RouterApp
from router.plugins._edge import PluginConfigError
from router.plugins.persisted_manifest import sha256_hex, write_manifest
from tests.router.http.fixtures import client_for
from tests.router.plugins.fake_identity import PLUGIN as IDENTITY
from tests.router.plugins.support import error_code, router_with
from tests.shared.conftest import ValkeyServer, free_port

ME = "query Me { me { name } }"
REVIEWS = "query Reviews { reviews { ...Body } }\nfragment Body on Review { body }"
KEY = {"x-test-api-key": "bot-1"}


def _apq(sha: str, query: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}
    if query is not None:
        body["query"] = query
    return body


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    """A manifest trusting the Me operation only."""
    path = tmp_path / "persisted-documents.json"
    write_manifest(path, [ME])
    return path


def _trusted(manifest: Path) -> tuple[str, str]:
    """The (id, body) of the manifest's only operation."""
    (operation,) = orjson.loads(manifest.read_bytes())["operations"]
    return operation["id"], operation["body"]


def _router(**section: Any) -> RouterApp:
    apq = {"store": "memory", **section.pop("apq", {})}
    return router_with({IDENTITY: {}, "persisted_documents": {"apq": apq, **section}})


async def test_apq_unknown_hash_then_registration_then_hash_only(valkey_url: str) -> None:
    sha = sha256_hex(ME)
    apq = {"store": "redis", "redis_url": valkey_url, "key_prefix": f"t:{uuid.uuid4().hex}:"}
    async with client_for(_router(apq=apq)) as client:
        missing = await client.post("/graphql", json=_apq(sha))
        registered = await client.post("/graphql", json=_apq(sha, ME))
        by_hash = await client.post("/graphql", json=_apq(sha))
    assert missing.status_code == 200
    assert missing.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    assert registered.json() == {"data": {"me": {"name": "Ada"}}}
    assert by_hash.json() == {"data": {"me": {"name": "Ada"}}}
    # A second router (empty memory) finds the document in Redis.
    async with client_for(_router(apq=apq)) as client:
        other_router = await client.post("/graphql", json=_apq(sha))
    assert other_router.json() == {"data": {"me": {"name": "Ada"}}}


async def test_apq_over_get_with_the_hash_in_the_query_string() -> None:
    sha = sha256_hex(ME)
    extensions = orjson.dumps(_apq(sha)["extensions"]).decode()
    async with client_for(_router()) as client:
        await client.post("/graphql", json=_apq(sha, ME))
        response = await client.get("/graphql", params={"extensions": extensions})
    assert response.json() == {"data": {"me": {"name": "Ada"}}}


async def test_apq_hash_mismatch_is_rejected() -> None:
    async with client_for(_router()) as client:
        response = await client.post("/graphql", json=_apq(sha256_hex("{ me { id } }"), ME))
        after = await client.post("/graphql", json=_apq(sha256_hex("{ me { id } }")))
    assert response.status_code == 400
    assert error_code(response.json()) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert error_code(after.json()) == "PERSISTED_QUERY_NOT_FOUND"  # nothing was stored


async def test_invalid_documents_are_not_registered() -> None:
    bad = "{ me { nope } }"
    async with client_for(_router()) as client:
        first = await client.post("/graphql", json=_apq(sha256_hex(bad), bad))
        again = await client.post("/graphql", json=_apq(sha256_hex(bad)))
    assert error_code(first.json()) == "GRAPHQL_VALIDATION_FAILED"
    assert error_code(again.json()) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "persisted",
    [{"version": 2, "sha256Hash": "0" * 64}, "nonsense"],
)
async def test_unsupported_versions_answer_not_supported(persisted: Any) -> None:
    async with client_for(_router()) as client:
        response = await client.post("/graphql", json={"extensions": {"persistedQuery": persisted}})
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error == {
        "message": "PersistedQueryNotSupported",
        "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
    }


async def test_apq_disabled_answers_not_supported() -> None:
    async with client_for(_router(apq={"enabled": False})) as client:
        response = await client.post("/graphql", json=_apq(sha256_hex(ME)))
        with_query = await client.post("/graphql", json=_apq(sha256_hex(ME), ME))
    assert error_code(response.json()) == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert with_query.json() == {"data": {"me": {"name": "Ada"}}}  # the query itself still runs


async def test_redis_down_apq_still_works_from_memory(caplog: pytest.LogCaptureFixture) -> None:
    apq = {"store": "redis", "redis_url": f"redis://127.0.0.1:{free_port()}/0"}
    sha = sha256_hex(ME)
    async with client_for(_router(apq=apq)) as client:
        await client.post("/graphql", json=_apq(sha, ME))
        response = await client.post("/graphql", json=_apq(sha))
    assert response.json() == {"data": {"me": {"name": "Ada"}}}
    assert "APQ store unavailable" in caplog.text


async def test_trusted_documents_run_by_document_id_or_hash(manifest: Path) -> None:
    sha, _ = _trusted(manifest)
    async with client_for(_router(manifest=str(manifest))) as client:
        by_id = await client.post("/graphql", json={"documentId": f"sha256:{sha}"}, headers=KEY)
        by_hash = await client.post("/graphql", json=_apq(sha), headers=KEY)
        unknown = await client.post("/graphql", json={"documentId": "f" * 64}, headers=KEY)
    assert by_id.json() == {"data": {"me": {"name": "Ada"}}}
    assert by_hash.json() == {"data": {"me": {"name": "Ada"}}}
    assert unknown.status_code == 404
    assert error_code(unknown.json()) == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_api_keys_may_run_only_trusted_documents(manifest: Path) -> None:
    async with client_for(_router(manifest=str(manifest))) as client:
        freeform = await client.post("/graphql", json={"query": REVIEWS}, headers=KEY)
        via_apq = await client.post(
            "/graphql", json=_apq(sha256_hex(REVIEWS), REVIEWS), headers=KEY
        )
        same_text = await client.post(
            "/graphql", json={"query": _trusted(manifest)[1]}, headers=KEY
        )
        user = await client.post("/graphql", json={"query": REVIEWS}, headers={"x-test-user": "1"})
        anonymous = await client.post("/graphql", json={"query": REVIEWS})
    assert freeform.status_code == 403
    assert error_code(freeform.json()) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert error_code(via_apq.json()) == "PERSISTED_QUERY_NOT_IN_LIST"  # APQ is not trust
    assert same_text.json() == {"data": {"me": {"name": "Ada"}}}  # the trusted body, freeform
    assert user.json()["data"]["reviews"][0] == {"body": "Great"}
    assert anonymous.json()["data"]["reviews"][0] == {"body": "Great"}


async def test_everyone_mode_allows_only_trusted_documents(manifest: Path) -> None:
    async with client_for(_router(manifest=str(manifest), trusted_only="everyone")) as client:
        user = await client.post("/graphql", json={"query": REVIEWS}, headers={"x-test-user": "1"})
        trusted = await client.post("/graphql", json={"documentId": _trusted(manifest)[0]})
    assert error_code(user.json()) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert trusted.json() == {"data": {"me": {"name": "Ada"}}}


async def test_none_mode_lets_api_keys_run_any_document(manifest: Path) -> None:
    async with client_for(_router(manifest=str(manifest), trusted_only="none")) as client:
        response = await client.post("/graphql", json={"query": REVIEWS}, headers=KEY)
    assert response.json()["data"]["reviews"][0] == {"body": "Great"}


def test_generated_manifest_has_apollo_format_and_fragment_bodies(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    write_manifest(path, [REVIEWS, ME])
    manifest = orjson.loads(path.read_bytes())
    assert manifest["format"] == "apollo-persisted-query-manifest"
    assert manifest["version"] == 1
    me, reviews = manifest["operations"]
    assert me == {"id": sha256_hex(me["body"]), "name": "Me", "type": "query", "body": me["body"]}
    assert "fragment Body on Review" in reviews["body"]


def test_committed_manifest_loads_against_the_schema() -> None:
    router_with({"persisted_documents": {"manifest": "schema/persisted-documents.json"}})


@pytest.mark.parametrize(
    ("content", "mentions"),
    [
        ('{"format": "other", "version": 1, "operations": []}', "format"),
        ("not json", "persisted documents manifest"),
        (None, "is not valid for the schema"),
        (
            '{"format": "apollo-persisted-query-manifest", "version": 1, "operations": '
            '[{"id": "x", "name": "Broken", "type": "query", "body": "query Broken {"}]}',
            "Broken .* Syntax Error",
        ),
    ],
)
def test_bad_manifest_fails_at_startup(tmp_path: Path, content: str | None, mentions: str) -> None:
    path = tmp_path / "m.json"
    if content is None:
        write_manifest(path, ["query Gone { removedField }"])
    else:
        path.write_text(content)
    with pytest.raises(PluginConfigError, match=mentions):
        _router(manifest=str(path))


def test_bad_persisted_documents_config_fails_at_startup() -> None:
    with pytest.raises(PluginConfigError, match=r"plugins\.persisted_documents: trusted_only"):
        _router(trusted_only="bots")


@pytest.fixture
def valkey_url(edge_valkey: ValkeyServer) -> str:
    """The edge tests' Valkey."""
    return edge_valkey.url()
