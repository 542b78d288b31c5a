"""Plans of the fixture operations, checked against reviewed text snapshots.

Rewrite the snapshots with ``UPDATE_PLAN_SNAPSHOTS=1 pytest tests/router/planner`` and review
the diff.
"""

from __future__ import annotations

import os

import pytest

from router.planner.render import plan_to_text
from tests.router.planner.cases import CASES
from tests.router.planner.support import SNAPSHOTS, plan


@pytest.mark.parametrize("name", sorted(CASES))
def test_plan_matches_snapshot(name: str) -> None:
    graph, query, labels = CASES[name]
    text = plan_to_text(plan(graph, query, labels))
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("UPDATE_PLAN_SNAPSHOTS") == "1":
        path.write_text(text)
    assert path.exists(), f"missing snapshot {path}; run with UPDATE_PLAN_SNAPSHOTS=1"
    assert text == path.read_text()


@pytest.mark.parametrize("version", ["shop_v03", "shop_v05"])
def test_join_versions_plan_alike(version: str) -> None:
    for name, (graph, query, labels) in CASES.items():
        if graph == "shop":
            assert plan_to_text(plan(version, query, labels)) == plan_to_text(
                plan("shop", query, labels)
            ), name
