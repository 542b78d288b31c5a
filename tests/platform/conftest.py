"""One clone of the repository for the session's platform tests (CI runs on a clean clone)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.platform.stack import clone_repo


@pytest.fixture(scope="session")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `git clone` of HEAD; its first ./start-server.sh creates its .venv."""
    return clone_repo(tmp_path_factory.mktemp("platform"))
