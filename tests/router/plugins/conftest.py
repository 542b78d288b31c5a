"""A real Valkey for the edge plugin tests (the server helper lives in tests/shared)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.shared.conftest import ValkeyServer


@pytest.fixture(scope="session")
def edge_valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyServer]:
    """One Valkey server for the edge plugin tests."""
    server = ValkeyServer(tmp_path_factory.mktemp("edge-valkey"))
    server.start()
    yield server
    server.stop()
