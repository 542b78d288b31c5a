"""Real Directus servers for the session, on free loopback ports in temporary folders.

The database is bootstrapped once into a template folder; every server starts from a copy
of it, which is an empty Directus at the cost of a file copy instead of a 5-10 s bootstrap.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from shared.directus.runtime import DirectusConfig, DirectusServer, prepare, start_directus
from tests.support.ports import free_port

StartDirectus = Callable[[str], DirectusServer]


@pytest.fixture(scope="session")
def directus_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with a freshly bootstrapped Directus database (not running)."""
    folder = tmp_path_factory.mktemp("directus-template")
    prepare(DirectusConfig(data_dir=folder, port=free_port()))
    return folder


@pytest.fixture(scope="session")
def start_empty_directus(
    directus_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StartDirectus]:
    """Start an empty Directus named `name` from the template; all stop when the session ends."""
    servers: list[DirectusServer] = []

    def start(name: str) -> DirectusServer:
        folder = tmp_path_factory.mktemp(f"directus-{name}", numbered=True)
        shutil.copytree(directus_template, folder, dirs_exist_ok=True)
        server = start_directus(DirectusConfig(data_dir=folder, port=free_port()), timeout=90)
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="session")
def directus_pair(start_empty_directus: StartDirectus) -> tuple[DirectusServer, DirectusServer]:
    """Two empty servers, started side by side: a source and a restore target."""
    with ThreadPoolExecutor(2) as pool:
        futures: list[Future[DirectusServer]] = [
            pool.submit(start_empty_directus, name) for name in ("source", "target")
        ]
        source, target = (f.result() for f in futures)
    return source, target
