"""Collects benchmark modules named bench_*.py (pytest only looks for test_*.py by itself)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.openbao import openbao

__all__ = ["openbao"]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    """Treats tests/benchmarks/chats/bench_*.py as test modules."""
    # A path named on the command line is collected by pytest itself: don't do it twice.
    if parent.session.isinitpath(file_path):
        return None
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        module: pytest.Module = pytest.Module.from_parent(parent, path=file_path)
        return module
    return None
