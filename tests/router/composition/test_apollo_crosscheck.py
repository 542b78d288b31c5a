"""Cross-check against Apollo's composer pinned in tests/tools (@apollo/composition)."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from router.composition import CompositionError, SubgraphSchema, compose
from tests.router.composition.cases import CASE_NAMES, case_subgraphs
from tests.router.composition.error_cases import ERROR_CASES
from tests.router.composition.nested_requires import NESTED_CASES, NestedCase
from tests.router.composition.random_subgraphs import random_subgraphs
from tests.support.federation import TOOLS_DIR, node_env

SCRIPT = Path(__file__).parent / "apollo_compose_many.cjs"
RANDOM_SEEDS = range(60)
APOLLO_INSTALLED = (
    TOOLS_DIR / "node_modules" / "@apollo" / "composition" / "package.json"
).exists()
pytestmark = pytest.mark.skipif(
    not APOLLO_INSTALLED,
    reason="tests/tools/node_modules/@apollo/composition is missing (run scripts/bootstrap.sh)",
)


def _payload(subgraphs: list[SubgraphSchema]) -> list[dict[str, str]]:
    return [{"name": s.name, "url": s.url, "sdl": s.sdl} for s in subgraphs]


@cache
def apollo_results() -> dict[str, Any]:
    """Every case composed by Apollo, in one Node process."""
    sets = {f"case:{name}": _payload(case_subgraphs(name)) for name in CASE_NAMES}
    sets.update({f"error:{c.id}": _payload(c.schemas()) for c in ERROR_CASES if c.apollo_agrees})
    sets.update({f"random:{seed}": _payload(random_subgraphs(seed)) for seed in RANDOM_SEEDS})
    sets.update({f"nested:{case.id}": _payload(case.schemas()) for case in NESTED_CASES})
    result = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps({"toolsDir": str(TOOLS_DIR), "sets": sets}).encode(),
        capture_output=True,
        env=node_env(),
        timeout=120,
        check=True,
    )
    results: dict[str, Any] = json.loads(result.stdout)
    return results


@pytest.mark.parametrize("case", CASE_NAMES)
def test_supergraph_equals_pinned_apollo_composition(case: str) -> None:
    apollo = apollo_results()[f"case:{case}"]
    assert compose(case_subgraphs(case)).supergraph_sdl == apollo["supergraph"]


@pytest.mark.parametrize("case", [c for c in ERROR_CASES if c.apollo_agrees], ids=lambda c: c.id)
def test_apollo_rejects_the_same_subgraphs_with_the_same_code(case: Any) -> None:
    apollo = apollo_results()[f"error:{case.id}"]
    with pytest.raises(CompositionError) as raised:
        compose(case.schemas())
    assert case.code in apollo["codes"]
    assert case.code in raised.value.codes


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_subgraphs_compose_exactly_like_apollo(seed: int) -> None:
    apollo = apollo_results()[f"random:{seed}"]
    try:
        ours = compose(random_subgraphs(seed)).supergraph_sdl
    except CompositionError as error:
        assert set(error.codes) & set(apollo.get("codes", [])), (error.codes, apollo)
        return
    assert ours == apollo.get("supergraph"), apollo.get("codes")


@pytest.mark.parametrize("case", NESTED_CASES, ids=lambda c: c.id)
def test_nested_field_sets_get_apollos_verdict_and_messages(case: NestedCase) -> None:
    apollo = apollo_results()[f"nested:{case.id}"]
    assert apollo.get("codes", [None])[0] == case.code, apollo
    try:
        ours = compose(case.schemas()).supergraph_sdl
    except CompositionError as error:
        assert error.codes == apollo.get("codes"), (error.codes, apollo)
        assert [issue.message for issue in error.issues] == apollo["messages"]
        return
    assert ours == apollo.get("supergraph"), apollo.get("codes")
