"""GraphiQL, /health and /metrics."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from router.http.subgraph_clients import HttpTransport
from tests.router.http.fixtures import client_for, in_process_transports, make_router
from tests.router.http.subgraphs import reviews_app
from tests.support.ports import free_port
from tests.support.servers import UvicornThread

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_graphiql_page_is_served_to_browsers_with_its_assets() -> None:
    async with client_for(make_router()) as client:
        page = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
        assets = {
            name: await client.get(f"/graphiql/{name}")
            for name in (
                "graphiql.min.js",
                "graphiql.min.css",
                "react.production.min.js",
                "react-dom.production.min.js",
                "graphql-ws.min.js",
            )
        }
        missing = await client.get("/graphiql/../config.py")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "GraphiQL.createFetcher" in page.text
    assert "graphqlWs.createClient" in page.text  # subscriptions go over graphql-transport-ws
    for name, response in assets.items():
        assert response.status_code == 200, name
        assert len(response.content) > 1000, name
    assert assets["graphiql.min.js"].headers["content-type"].startswith("text/javascript")
    assert missing.status_code == 404


async def test_graphiql_can_be_switched_off() -> None:
    from router.config import RouterConfig

    async with client_for(make_router(RouterConfig(graphiql=False))) as client:
        page = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
    assert "text/html" not in page.headers["content-type"]


async def test_health_is_200_when_every_subgraph_answers() -> None:
    async with client_for(make_router()) as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "up",
        "subgraphs": {"accounts": {"status": "up"}, "reviews": {"status": "up"}},
    }


async def test_health_is_503_naming_the_subgraph_that_is_down() -> None:
    closed_port = free_port()
    transports = in_process_transports()
    transports["reviews"] = HttpTransport(
        f"http://127.0.0.1:{closed_port}/graphql", timeout=1.0, service_name="reviews"
    )
    async with client_for(make_router(transports=transports)) as client:
        response = await client.get("/health")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "down"
    assert body["message"] == "subgraphs down: reviews"
    assert body["subgraphs"]["accounts"] == {"status": "up"}
    assert body["subgraphs"]["reviews"]["status"] == "down"


async def test_health_probes_subgraphs_over_http(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    server = serve_asgi(reviews_app)
    transports = in_process_transports()
    transports["reviews"] = HttpTransport(f"{server.url}/graphql", service_name="reviews")
    async with client_for(make_router(transports=transports)) as client:
        response = await client.get("/health")
    assert response.status_code == 200


async def test_metrics_expose_requests_latencies_fetches_and_plan_cache() -> None:
    query = {"query": "query Mine { me { name reviews { body } } }"}
    async with client_for(make_router()) as client:
        await client.post("/graphql", json=query)
        await client.post("/graphql", json=query)
        await client.post("/graphql", json={"query": "query Broken { nope }"})
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    assert (
        samples[("mateway_router_requests_total", (("operation", "Mine"), ("outcome", "success")))]
        == 2
    )
    assert (
        samples[("mateway_router_requests_total", (("operation", "unknown"), ("outcome", "error")))]
        == 1
    )
    assert samples[("mateway_router_request_duration_seconds_count", (("operation", "Mine"),))] == 2
    fetch = "mateway_router_subgraph_fetch_duration_seconds_count"
    assert samples[(fetch, (("outcome", "success"), ("subgraph", "accounts")))] == 2
    assert samples[(fetch, (("outcome", "success"), ("subgraph", "reviews")))] == 2
    assert samples[("mateway_router_plan_cache_hits_total", ())] == 1
    assert samples[("mateway_router_plan_cache_misses_total", ())] == 1


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian chromium (apt-get install chromium)")
def test_graphiql_renders_in_a_browser_with_no_internet(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    router = serve_asgi(make_router())
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=8000",
            "--dump-dom",
            f"{router.url}/graphql",
        ],
        capture_output=True,
        timeout=90,
        check=False,
    )
    dom = result.stdout.decode(errors="replace")
    assert 'class="graphiql-container"' in dom, result.stderr.decode(errors="replace")[-2000:]


async def test_operation_labels_are_bounded_against_made_up_names() -> None:
    app = make_router()
    app.metrics.max_operations = 2
    async with client_for(app) as client:
        for name in ("A", "B", "C", "D"):
            await client.post("/graphql", json={"query": f"query {name} {{ me {{ name }} }}"})
        text = (await client.get("/metrics")).text
    samples = [
        sample.labels["operation"]
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "mateway_router_requests_total"
    ]
    assert sorted(samples) == ["A", "B", "other"]
