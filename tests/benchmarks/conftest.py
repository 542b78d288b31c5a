"""Benchmarks (bench_*.py) print their figures straight to the terminal, past pytest's capture,
so the README's test command shows them; they assert correctness, never timings."""

from __future__ import annotations

from collections.abc import Generator

import pytest


@pytest.hookimpl(wrapper=True, trylast=True)  # innermost: inside the capture plugin's wrapper
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Runs each benchmark with output capture off so its printed figures are seen."""
    capture = item.config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        return (yield)
    with capture.global_and_fixture_disabled():
        return (yield)
