"""create_app: /graphql (HTTP, SSE, graphql-transport-ws), /health, /metrics, discovery."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from websockets.asyncio.client import connect

from shared.apps.factory import AppBundle, bundle_of, create_app, discover_apps
from shared.apps.manifest import ManifestError
from shared.errors import ErrorCode
from shared.tracing import configure_tracing
from tests.shared.apps.conftest import LIBRARY_DIR, LIBRARY_YML
from tests.shared.apps.fixtures.library.app import app as library_app
from tests.shared.apps.fixtures.library.app import bundle as library
from tests.shared.apps.fixtures.library.settings import LibrarySettings
from tests.support.identity import internal_headers
from tests.support.servers import UvicornThread

SEARCH = (
    'mutation { librarySearch(input: {query: "straw", languages: [DE]}) { id title language } }'
)
SUMMARIZE = 'subscription { librarySummarize(input: {documentId: "7"}) { percent summary } }'


def client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://library")


async def post(app: Starlette, query: str, **headers: str) -> httpx.Response:
    async with client(app) as http:
        return await http.post(
            "/graphql", json={"query": query}, headers={**internal_headers(), **headers}
        )


async def test_graphql_runs_queries_and_skill_mutations() -> None:
    response = await post(library_app, SEARCH)
    assert response.status_code == 200
    assert response.json() == {
        "data": {"librarySearch": [{"id": "1", "title": "Strawberry recipes", "language": "DE"}]}
    }
    sdl = (await post(library_app, "{ _service { sdl } }")).json()["data"]["_service"]["sdl"]
    assert "librarySearch(input: SearchInput!): [Document!]!" in sdl


async def test_graphql_errors_carry_stable_codes() -> None:
    response = await post(library_app, "{ nothing }")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == ErrorCode.GRAPHQL_VALIDATION_FAILED.value


async def test_subscription_streams_over_sse() -> None:
    response = await post(library_app, SUMMARIZE, accept="text/event-stream")
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [line for line in response.text.splitlines() if line.startswith("data: {")]
    payloads = [json.loads(line.removeprefix("data: "))["data"] for line in events]
    assert payloads == [
        {"librarySummarize": {"percent": 50, "summary": None}},
        {"librarySummarize": {"percent": 100, "summary": "brief summary of 7"}},
    ]
    assert "event: complete" in response.text


async def test_subscription_streams_over_graphql_transport_ws(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    server = serve_asgi(library_app)
    url = server.url.replace("http", "ws") + "/graphql"
    async with (
        asyncio.timeout(10),
        connect(
            url, subprotocols=["graphql-transport-ws"], additional_headers=internal_headers()
        ) as ws,
    ):
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUMMARIZE}}))
        messages = [json.loads(await ws.recv()) for _ in range(3)]
    assert [message["type"] for message in messages] == ["next", "next", "complete"]
    assert messages[1]["payload"]["data"]["librarySummarize"]["percent"] == 100


async def test_health_is_200_without_failing_checks() -> None:
    async with client(library_app) as http:
        response = await http.get("/health")
    assert response.status_code == 200
    assert response.json()["service"] == "library"


async def test_health_is_503_naming_the_failing_dependency() -> None:
    async def index_up() -> bool:
        return True

    async def search_engine_down() -> None:
        raise ConnectionRefusedError("connection refused")

    checks = {"index": index_up, "search_engine": search_engine_down}
    bundle = create_app(LIBRARY_DIR, checks, LibrarySettings)
    async with client(bundle.asgi) as http:
        response = await http.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["search_engine"]
    assert body["checks"]["index"]["status"] == "up"
    assert "connection refused" in body["checks"]["search_engine"]["error"]


async def test_metrics_count_graphql_requests_per_app() -> None:
    # A fresh bundle has a fresh metrics registry: counts start at zero.
    bundle = create_app(LIBRARY_DIR, settings_class=LibrarySettings)
    await post(bundle.asgi, SEARCH)
    await post(bundle.asgi, SEARCH)
    async with client(bundle.asgi) as http:
        response = await http.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    line = 'mateway_app_library_requests_total{operation="POST /graphql",outcome="200"} 2.0'
    assert line in response.text.splitlines()
    assert "process_resident_memory_bytes" in response.text


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    configure_tracing("tests", exporter=exporter)
    yield exporter


async def test_graphql_request_continues_the_callers_trace(spans: InMemorySpanExporter) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    spans.clear()
    await post(library_app, SEARCH, traceparent=f"00-{trace_id}-00f067aa0ba902b7-01")
    (span,) = [span for span in spans.get_finished_spans() if span.kind is SpanKind.SERVER]
    assert span.name == "library POST /graphql"
    assert f"{span.context.trace_id:032x}" == trace_id


def test_bundle_is_found_behind_its_asgi_app() -> None:
    assert bundle_of(library_app) is library
    assert (
        isinstance(library, AppBundle) and library.package == "tests.shared.apps.fixtures.library"
    )
    assert bundle_of(object()) is None


def write_app(root: Path, name: str, text: str | None = None) -> None:
    folder = root / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "app.yml").write_text(text or LIBRARY_YML.replace("name: library", f"name: {name}"))


def test_discover_apps_lists_folders_with_an_app_yml(tmp_path: Path) -> None:
    write_app(tmp_path, "web")
    write_app(tmp_path, "pdf")
    (tmp_path / "notes").mkdir()  # no app.yml: not an app
    (tmp_path / "README.md").write_text("")
    assert [app.name for app in discover_apps(tmp_path)] == ["pdf", "web"]
    assert [app.name for app in discover_apps(tmp_path, enabled=["web"])] == ["web"]
    with pytest.raises(ValueError, match=r"enabled apps \['audio'\] have no folder"):
        discover_apps(tmp_path, enabled=["web", "audio"])


def test_discover_apps_raises_on_an_invalid_manifest(tmp_path: Path) -> None:
    write_app(tmp_path, "web", "name: web\ndescription: d\nversion: 1.0.0\ncolour: red\n")
    with pytest.raises(ManifestError, match=r"web/app.yml: colour: Extra inputs"):
        discover_apps(tmp_path)


def test_discover_apps_finds_mates_with_its_supergraph_module() -> None:
    apps = {app.name: app for app in discover_apps("subgraphs")}
    assert apps["mates"].module == "subgraphs.mates.app:app"
