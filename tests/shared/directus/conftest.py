"""Real Directus servers for the session (the fixtures live in tests/support/directus.py)."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from shared.directus.runtime import DirectusServer
from tests.support.directus import (
    StartDirectus,
    directus_template,
    platform_directus,
    start_empty_directus,
)

__all__ = ["directus_template", "platform_directus", "start_empty_directus"]


@pytest.fixture(scope="session")
def directus_pair(start_empty_directus: StartDirectus) -> tuple[DirectusServer, DirectusServer]:
    """Two empty servers, started side by side: a source and a restore target."""
    with ThreadPoolExecutor(2) as pool:
        futures: list[Future[DirectusServer]] = [
            pool.submit(start_empty_directus, name) for name in ("source", "target")
        ]
        source, target = (f.result() for f in futures)
    return source, target
