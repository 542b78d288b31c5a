"""Only leaves outside an @external field must be @external in @requires/@provides."""

from __future__ import annotations

import pytest

from router.composition import CompositionError, compose
from tests.router.composition.nested_requires import NESTED_CASES, NestedCase


@pytest.mark.parametrize("case", NESTED_CASES, ids=lambda c: c.id)
def test_nested_field_set_verdict(case: NestedCase) -> None:
    try:
        compose(case.schemas())
    except CompositionError as error:
        assert set(error.codes) == {case.code}
        return
    assert case.code is None


def _requires_of_cost(case_id: str) -> str:
    case = next(c for c in NESTED_CASES if c.id == case_id)
    sdl = compose(case.schemas()).supergraph_sdl
    return next(line.strip() for line in sdl.splitlines() if line.strip().startswith("cost"))


def test_fed1_upgrade_trims_non_external_leaves_from_requires() -> None:
    assert 'requires: "weight"' in _requires_of_cost("fed1_local_leaf_trimmed")
    assert 'requires: "weight"' in _requires_of_cost("fed1_nested_local_leaf_trimmed")
    assert 'requires: "dims { width }"' in _requires_of_cost("fed1_external_parent_kept")


def test_fed1_upgrade_drops_requires_left_without_fields() -> None:
    assert "requires" not in _requires_of_cost("fed1_only_local_leaves_dropped")


def test_missing_external_names_the_leaf_not_its_parent() -> None:
    case = next(c for c in NESTED_CASES if c.id == "local_parents_deep_local_leaf")
    with pytest.raises(CompositionError) as raised:
        compose(case.schemas())
    assert len(raised.value.issues) == 1
    assert 'field "Inner.a" should not be part of a @requires' in raised.value.issues[0].message
