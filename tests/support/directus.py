"""Real Directus servers for tests, on free loopback ports in temporary folders.

The database is bootstrapped once into a template folder; every server starts from a copy
of it, which is an empty Directus at the cost of a file copy instead of a 5-10 s bootstrap.

Conftests import these fixtures (`from tests.support.directus import ...`). Each importing
conftest gets its own fixture instance, so the template and the platform server are kept
in this module: folders importing them in one session share one bootstrap and one server.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator

import pytest

from shared.directus import schema_ops
from shared.directus.admin_api import AdminApi
from shared.directus.runtime import DirectusConfig, DirectusServer, prepare, start_directus
from tests.shared.directus.template import DirectusTemplate
from tests.support.ports import free_port

StartDirectus = Callable[[str], DirectusServer]

_template: list[DirectusTemplate] = []
_platform: list[DirectusServer] = []


@pytest.fixture(scope="session")
def directus_template(tmp_path_factory: pytest.TempPathFactory) -> DirectusTemplate:
    """A data folder with a freshly bootstrapped Directus database (not running)."""
    if not _template:
        folder = tmp_path_factory.mktemp("directus-template")
        started = time.monotonic()
        prepare(DirectusConfig(data_dir=folder, port=free_port()))
        _template.append(DirectusTemplate(folder, time.monotonic() - started))
    return _template[0]


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
def platform_directus(start_empty_directus: StartDirectus) -> DirectusServer:
    """One Directus with the repo's platform schema, shared by every folder in the session.

    Tests on it must not depend on other tests' rows: create what they read, and use
    unique values where a field is unique.
    """
    if not _platform:
        server = start_empty_directus("platform")
        with AdminApi(server.url, server.admin_token) as api:
            schema_ops.apply(api, schema_ops.load_snapshot(schema_ops.REPO_SCHEMA))
        _platform.append(server)
    # Stopped with the other servers of the fixture that started it, at the session's end.
    return _platform[0]
