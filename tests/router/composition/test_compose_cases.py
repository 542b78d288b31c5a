"""Composition of hand-written Federation 1 and 2 subgraphs matches Apollo's output exactly."""

from __future__ import annotations

import pytest
from graphql import build_schema, lexicographic_sort_schema, print_schema

from router.composition import compose
from router.supergraph.api_schema import build_api_schema
from tests.router.composition.cases import CASE_NAMES, case_file, case_subgraphs


@pytest.mark.parametrize("case", CASE_NAMES)
def test_supergraph_is_byte_identical_to_apollos(case: str) -> None:
    composed = compose(case_subgraphs(case))
    assert composed.supergraph_sdl == case_file(case, "supergraph.graphql")


@pytest.mark.parametrize("case", CASE_NAMES)
def test_api_schema_equals_apollos_api_schema(case: str) -> None:
    composed = compose(case_subgraphs(case))
    ours = print_schema(lexicographic_sort_schema(build_api_schema(composed.supergraph_sdl)))
    theirs = print_schema(lexicographic_sort_schema(build_schema(case_file(case, "api.graphql"))))
    assert ours == theirs


def test_composing_twice_gives_the_same_text() -> None:
    subgraphs = case_subgraphs("override_labels_enums_inputs")
    assert compose(subgraphs) == compose(subgraphs)


def test_progressive_override_marks_both_subgraphs() -> None:
    sdl = compose(case_subgraphs("override_labels_enums_inputs")).supergraph_sdl
    line = next(ln for ln in sdl.splitlines() if ln.strip().startswith("email:"))
    assert '@join__field(graph: A, usedOverridden: true, overrideLabel: "percent(50)")' in line
    assert '@join__field(graph: B, override: "a", overrideLabel: "percent(50)")' in line


def test_output_enum_is_the_union_and_input_object_the_intersection() -> None:
    api = compose(case_subgraphs("override_labels_enums_inputs")).api_schema_sdl
    schema = build_schema(api)
    assert list(schema.get_type("Color").values) == ["RED", "GREEN", "BLUE"]  # type: ignore[union-attr]
    assert list(schema.get_type("Filter").fields) == ["a"]  # type: ignore[union-attr]


def test_federation1_extension_keys_are_not_external_and_unused_externals_dropped() -> None:
    sdl = compose(case_subgraphs("federation1_extends_provides")).supergraph_sdl
    assert '@join__type(graph: B, key: "id")' in sdl
    assert "extension: true" not in sdl
    assert "zip" not in sdl  # @external in an extension and used by nothing


def test_interface_object_fields_reach_the_implementations() -> None:
    sdl = compose(case_subgraphs("access_control_cost_interface_object")).supergraph_sdl
    assert '@join__type(graph: B, key: "id", isInterfaceObject: true)' in sdl
    book = sdl.split("type Book", 1)[1].split("}", 1)[0]
    assert "reviews: Int @join__field\n" in book
