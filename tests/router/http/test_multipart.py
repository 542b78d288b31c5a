"""GraphQL multipart uploads through the router to core (real Directus and Valkey)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest
from graphql import parse
from PIL import Image

from router.config import RouterConfig, UploadSettings
from router.http.multipart import UPLOADS_STATE, install_upload_guard
from router.http.runtime import build_router
from router.pipeline import GraphQLRequest, PreparedOperation, RequestContext, RequestError, Stage
from shared.auth.tokens import issue_access_token
from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from shared.identity import Identity
from subgraphs.core.app import app as core_app
from subgraphs.core.service import CoreService, use_service
from tests.router.plugins.identity_support import compose_apps
from tests.shared.conftest import ValkeyServer, valkey
from tests.subgraphs.core.conftest import (
    core_settings,
    directus_template,
    platform_directus,
    start_empty_directus,
)
from tests.subgraphs.core.profile_support import POLYGLOT_TAIL, gif, png
from tests.support.identity import signing_keys, user_identity

__all__ = [
    "directus_template",
    "platform_directus",
    "start_empty_directus",
    "valkey",
]

UPLOAD = "mutation($image: Upload!) { updateProfileImage(image: $image) { id url width height } }"
PREFLIGHT = {"apollo-require-preflight": "true"}


@pytest.fixture
async def user(directus: DirectusClient) -> AsyncIterator[Identity]:
    """A signed-in user (a real Directus user)."""
    made = await directus.create_user({"platform_role": "user", "status": "active"})
    yield user_identity(made["id"])
    await directus.delete_user(made["id"])


@pytest.fixture
async def client(
    platform_directus: DirectusServer, valkey: ValkeyServer
) -> AsyncIterator[httpx.AsyncClient]:
    """The router (identity, csrf; small upload limits) over core, and a client of it."""
    service = CoreService(core_settings(platform_directus, redis_url=valkey.url(4)))
    use_service(service)
    sdl, transports = await compose_apps({"core": core_app})
    config = RouterConfig(
        mode="development",
        plugins={"identity": {"redis_url": valkey.url(4)}, "csrf": {}},
        uploads=UploadSettings(max_file_bytes=2_000_000, max_total_bytes=3_000_000),
    )
    router = build_router(sdl, config, transports)
    try:
        transport = httpx.ASGITransport(app=router)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as http:
            yield http
    finally:
        await router.aclose()
        use_service(None)
        await service.aclose()


def _auth(identity: Identity | None) -> dict[str, str]:
    if identity is None:
        return {}
    return {"authorization": f"Bearer {issue_access_token(identity, keys=signing_keys())}"}


async def _upload(
    client: httpx.AsyncClient,
    content: bytes,
    identity: Identity | None,
    *,
    headers: dict[str, str] | None = None,
    query: str = UPLOAD,
    content_type: str = "image/png",
) -> httpx.Response:
    operations = {"query": query, "variables": {"image": None}}
    data = {"operations": orjson.dumps(operations).decode(), "map": '{"0": ["variables.image"]}'}
    files = {"0": ("me.png", content, content_type)}
    sent = {**PREFLIGHT, **_auth(identity), **(headers or {})}
    return await client.post("/graphql", data=data, files=files, headers=sent)


def _code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_png_upload_is_stored_reencoded_and_linked_to_the_user(
    client: httpx.AsyncClient, user: Identity, directus: DirectusClient
) -> None:
    response = await _upload(client, png(800, 600, text="secret metadata"), user)
    body = response.json()
    assert "errors" not in body, body
    stored = body["data"]["updateProfileImage"]
    assert (stored["width"], stored["height"]) == (512, 384)
    assert user.user_id is not None
    linked = await directus.read_user(user.user_id, fields=["avatar"])
    assert linked is not None and linked["avatar"] == stored["id"]
    content = await directus.read_file_content(stored["id"])
    image = Image.open(io.BytesIO(content))
    assert image.format == "WEBP" and image.size == (512, 384)
    assert b"secret metadata" not in content


async def test_polyglot_png_is_stored_without_its_appended_bytes(
    client: httpx.AsyncClient, user: Identity, directus: DirectusClient
) -> None:
    response = await _upload(client, png(64, 64) + POLYGLOT_TAIL, user)
    stored = response.json()["data"]["updateProfileImage"]
    content = await directus.read_file_content(stored["id"])
    assert b"PK\x03\x04" not in content and b"<script>" not in content
    assert Image.open(io.BytesIO(content)).format == "WEBP"


async def test_file_over_the_router_limit_is_refused_with_413(
    client: httpx.AsyncClient, user: Identity
) -> None:
    response = await _upload(client, b"\x89PNG" + b"\0" * 2_100_000, user)
    assert response.status_code == 413
    assert _code(response) == "FILE_TOO_LARGE"


async def test_image_of_another_type_is_refused_whatever_its_declared_type(
    client: httpx.AsyncClient, user: Identity
) -> None:
    gif_response = await _upload(client, gif(), user)
    html_response = await _upload(client, b"<html><script>1</script></html>", user)
    assert _code(gif_response) == "UNSUPPORTED_MEDIA_TYPE"
    assert _code(html_response) == "UNSUPPORTED_MEDIA_TYPE"


async def test_multipart_without_the_csrf_header_is_refused(
    client: httpx.AsyncClient, user: Identity
) -> None:
    operations = {"query": UPLOAD, "variables": {"image": None}}
    data = {"operations": orjson.dumps(operations).decode(), "map": '{"0": ["variables.image"]}'}
    files = {"0": ("me.png", png(8, 8), "image/png")}
    response = await client.post("/graphql", data=data, files=files, headers=_auth(user))
    assert response.status_code == 400
    assert _code(response) == "CSRF_PREVENTED"


async def test_anonymous_upload_is_refused(client: httpx.AsyncClient) -> None:
    response = await _upload(client, png(8, 8), None)
    assert _code(response) == "UNAUTHENTICATED"


async def test_multipart_without_files_runs_as_an_ordinary_operation(
    client: httpx.AsyncClient,
) -> None:
    operations = {"query": "{ __typename }"}
    data = {"operations": orjson.dumps(operations).decode(), "map": "{}"}
    # httpx sends multipart only with a file: an unrelated empty part is not mapped, so refused.
    files: dict[str, Any] = {"unused": ("x.txt", b"x", "text/plain")}
    refused = await client.post("/graphql", data=data, files=files, headers=PREFLIGHT)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
        + orjson.dumps(operations)
        + b'\r\n--b\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--b--\r\n'
    )
    plain = await client.post(
        "/graphql",
        content=body,
        headers={**PREFLIGHT, "content-type": "multipart/form-data; boundary=b"},
    )
    assert refused.status_code == 400 and "not named in the map" in refused.text
    assert plain.status_code == 200 and plain.json() == {"data": {"__typename": "Query"}}


async def test_files_sent_with_a_query_are_refused(client: httpx.AsyncClient) -> None:
    # No query field takes an Upload: validation refuses it before the router's guard would.
    operations = {"query": "query($f: Upload) { __typename }", "variables": {"f": None}}
    data = {"operations": orjson.dumps(operations).decode(), "map": '{"0": ["variables.f"]}'}
    files = {"0": ("a.png", png(8, 8), "image/png")}
    headers = {**PREFLIGHT, "accept": "application/graphql-response+json"}
    response = await client.post("/graphql", data=data, files=files, headers=headers)
    assert response.status_code == 400
    assert "data" not in response.json()


async def test_upload_guard_refuses_files_outside_mutations() -> None:
    hooks: list[Any] = []
    pipeline = SimpleNamespace(hook=lambda stage, hook: hooks.append((stage, hook)))
    install_upload_guard(pipeline)  # type: ignore[arg-type]
    [(stage, guard)] = hooks
    document = parse("query { a } mutation M { b }")
    query, mutation = document.definitions
    for operation, refused in ((query, True), (mutation, False)):
        ctx = RequestContext(GraphQLRequest("..."), state={UPLOADS_STATE: True})
        ctx.prepared = PreparedOperation(document, operation)  # type: ignore[arg-type]
        if refused:
            with pytest.raises(RequestError, match="only be uploaded with a mutation"):
                await guard(ctx)
        else:
            await guard(ctx)
    assert stage is Stage.OPERATION_VALIDATED


async def test_malformed_map_paths_are_refused(client: httpx.AsyncClient) -> None:
    operations = {"query": UPLOAD, "variables": {"image": None}}
    files = {"0": ("a.png", png(8, 8), "image/png")}
    for mapping in ('{"0": ["query"]}', '{"0": ["variables.other"]}', '{"1": ["variables.image"]}'):
        data = {"operations": orjson.dumps(operations).decode(), "map": mapping}
        response = await client.post("/graphql", data=data, files=files, headers=PREFLIGHT)
        assert response.status_code == 400, mapping
        assert _code(response) == "BAD_REQUEST"
