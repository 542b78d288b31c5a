"""Real Directus servers for the session, on free loopback ports in temporary folders.

The database is bootstrapped once into a template folder; every server starts from a copy
of it, which is an empty Directus at the cost of a file copy instead of a 5-10 s bootstrap.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from shared.directus.runtime import DirectusConfig, DirectusServer, prepare, start_directus
from tests.shared.directus.template import DirectusTemplate
from tests.support.ports import free_port

StartDirectus = Callable[[str], DirectusServer]


@pytest.fixture(scope="session")
def directus_template(tmp_path_factory: pytest.TempPathFactory) -> DirectusTemplate:
    """A data folder with a freshly bootstrapped Directus database (not running)."""
    folder = tmp_path_factory.mktemp("directus-template")
    started = time.monotonic()
    prepare(DirectusConfig(data_dir=folder, port=free_port()))
    return DirectusTemplate(folder, time.monotonic() - started)


@pytest.fixture(scope="session")
def start_empty_directus(
    directus_template: DirectusTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StartDirectus]:
    """Start an empty Directus named `name` from the template; all stop when the session ends."""
    servers: list[DirectusServer] = []

    def start(name: str) -> DirectusServer:
        folder = tmp_path_factory.mktemp(f"directus-{name}", numbered=True)
        shutil.copytree(directus_template.path, folder, dirs_exist_ok=True)
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
