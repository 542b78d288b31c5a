"""Differential composition: our supergraph says what @apollo/composition's says."""

from __future__ import annotations

import pytest

from tests.router.differential.supergraph_digest import digest
from tests.support.federation import (
    ComposedSupergraph,
    SubgraphSource,
    compose_with_apollo,
    node_tools_installed,
)


@pytest.fixture(scope="module")
def both_supergraphs(
    differential_subgraphs: list[SubgraphSource], differential_supergraph: ComposedSupergraph
) -> tuple[str, str]:
    """(ours, Apollo's) supergraph SDL for the differential subgraphs."""
    if differential_supergraph.composer != "mateway":
        pytest.fail("router/composition/command.py is missing: nothing to compare")
    if not node_tools_installed():
        pytest.fail("tests/tools/node_modules is missing: run scripts/bootstrap.sh")
    ours = differential_supergraph.path.read_text()
    return ours, compose_with_apollo(differential_subgraphs)


def test_api_schema_equals_apollo_api_schema(both_supergraphs: tuple[str, str]) -> None:
    """Same client-facing types, fields, arguments and defaults."""
    ours, apollo = both_supergraphs
    assert digest(ours).api_schema == digest(apollo).api_schema


def test_join_metadata_equals_apollo_join_metadata(both_supergraphs: tuple[str, str]) -> None:
    """Same graphs, keys, field ownership, requires/provides/external, union and interface joins."""
    ours, apollo = digest(both_supergraphs[0]), digest(both_supergraphs[1])
    missing = sorted(apollo.join_facts - ours.join_facts)
    extra = sorted(ours.join_facts - apollo.join_facts)
    assert (missing, extra) == ([], []), "join facts differ from Apollo's (missing, extra)"
