"""``python -m router serve``: a supergraph file over HTTP, or supergraph.yaml in-process."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.http.command import run_serve
from tests.router.http.fixtures import supergraph_sdl
from tests.router.http.subgraphs import accounts_app, reviews_app
from tests.support.ports import free_port
from tests.support.servers import ManagedProcess, UvicornThread

QUERY = {"query": "{ me { name reviews { body author { name } } } }"}
EXPECTED = {
    "data": {
        "me": {
            "name": "Ada",
            "reviews": [
                {"body": "Great", "author": {"name": "Ada"}},
                {"body": "Fine", "author": {"name": "Ada"}},
            ],
        }
    }
}


@pytest.fixture
def serve_process() -> Iterator[Callable[..., ManagedProcess]]:
    """Starts ``python -m router serve ARGS`` on a free port; stops it after the test."""
    started: list[ManagedProcess] = []

    def start(*args: str) -> ManagedProcess:
        port = free_port()
        command = [sys.executable, "-m", "router", "serve", *args, "--port", str(port)]
        process = ManagedProcess(name="router-serve", args=command, port=port)
        started.append(process)
        return process.start(timeout=60.0, ready_path="/health")

    try:
        yield start
    finally:
        for process in started:
            process.stop()


def test_serve_supergraph_file_calls_the_subgraph_urls_in_join_graph(
    serve_asgi: Callable[[Any], UvicornThread],
    serve_process: Callable[..., ManagedProcess],
    tmp_path: Path,
) -> None:
    accounts = serve_asgi(accounts_app)
    reviews = serve_asgi(reviews_app)
    sdl = supergraph_sdl(accounts=f"{accounts.url}/graphql", reviews=f"{reviews.url}/graphql")
    path = tmp_path / "supergraph.graphql"
    path.write_text(sdl)
    router = serve_process("--supergraph", str(path))
    response = httpx.post(f"{router.url}/graphql", json=QUERY, timeout=10.0)
    assert response.json() == EXPECTED
    assert httpx.get(f"{router.url}/health", timeout=10.0).status_code == 200


def test_serve_without_supergraph_composes_supergraph_yaml_in_process(
    serve_process: Callable[..., ManagedProcess], tmp_path: Path
) -> None:
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        "subgraphs:\n"
        "  accounts: {module: 'tests.router.http.subgraphs:accounts_app'}\n"
        "  reviews: {module: 'tests.router.http.subgraphs:reviews_app'}\n"
    )
    router_config = tmp_path / "router.yaml"
    router_config.write_text("mode: development\n")
    router = serve_process("--config", str(config), "--router-config", str(router_config))
    body = {**QUERY, "extensions": {"queryPlan": True}}
    response = httpx.post(f"{router.url}/graphql", json=body, timeout=10.0).json()
    assert response["data"] == EXPECTED["data"]
    assert response["extensions"]["queryPlan"]["kind"] == "QueryPlan"  # development mode


def test_serve_reports_a_missing_supergraph_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.graphql"
    args = argparse.Namespace(
        supergraph=str(missing), config="x.yaml", router_config=None, host="127.0.0.1", port=0
    )
    assert run_serve(args) == 1
    assert "nope.graphql" in capsys.readouterr().err
