"""``python -m router serve --workers N``: N processes on one port, watched by the parent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.router.http.fixtures import supergraph_sdl
from tests.router.http.subgraphs import accounts_app, reviews_app
from tests.router.http.test_serve_command import EXPECTED, QUERY
from tests.support.ports import free_port
from tests.support.servers import ManagedProcess, UvicornThread


def _workers_of(parent: int) -> set[int]:
    """The pids of the parent's spawned worker processes."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"spawn_main" in command:
            found.add(int(entry.name))
    return found


def _owners(port: int, state: str) -> set[int]:
    """Pids owning the server side of `port`'s sockets in `state` (ss -p)."""
    listing = subprocess.run(
        ["ss", "-Htnp", "state", state, f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {int(part.split("pid=")[1].split(",")[0]) for part in listing.split() if "pid=" in part}


@pytest.fixture
def supergraph(serve_asgi: Callable[[Any], UvicornThread], tmp_path: Path) -> Path:
    accounts = serve_asgi(accounts_app)
    reviews = serve_asgi(reviews_app)
    path = tmp_path / "supergraph.graphql"
    path.write_text(
        supergraph_sdl(accounts=f"{accounts.url}/graphql", reviews=f"{reviews.url}/graphql")
    )
    return path


@pytest.fixture
def router(supergraph: Path) -> Iterator[ManagedProcess]:
    port = free_port()
    command = [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph)]
    command += ["--port", str(port), "--workers", "2"]
    process = ManagedProcess(name="router-workers", args=command, port=port)
    process.start(timeout=60.0, ready_path="/health")
    try:
        yield process
    finally:
        process.stop()


def _wait_for_workers(parent: int, count: int) -> set[int]:
    deadline = time.monotonic() + 30
    while len(workers := _workers_of(parent)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return workers


def test_connections_are_spread_over_the_workers(router: ManagedProcess) -> None:
    workers = _wait_for_workers(router.pid, 2)
    assert len(workers) == 2
    deadline = time.monotonic() + 30  # the second may still be building after the first
    while _owners(router.port, "listening") != workers and time.monotonic() < deadline:
        time.sleep(0.1)
    clients = [httpx.Client(base_url=router.url, timeout=10.0) for _ in range(40)]
    try:
        for client in clients:
            assert client.post("/graphql", json=QUERY).json() == EXPECTED
        assert _owners(router.port, "established") == workers
    finally:
        for client in clients:
            client.close()


def test_a_worker_that_dies_stops_the_router(router: ManagedProcess) -> None:
    workers = _wait_for_workers(router.pid, 2)
    assert router.process is not None
    os.kill(min(workers), signal.SIGKILL)
    assert router.process.wait(timeout=40) == 1
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)
    assert "a worker ended" in router.tail_log()


def test_sigterm_stops_every_worker_and_exits_cleanly(router: ManagedProcess) -> None:
    workers = _wait_for_workers(router.pid, 2)
    assert router.process is not None
    os.kill(router.pid, signal.SIGTERM)  # the parent alone, as a service manager does
    assert router.process.wait(timeout=40) == 0
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)


def test_a_port_in_use_fails_at_once_with_a_clear_error(supergraph: Path) -> None:
    port = free_port()
    with socket.create_server(("127.0.0.1", port)):
        command = [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph)]
        command += ["--port", str(port), "--workers", "2"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
