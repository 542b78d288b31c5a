"""The operations plugins.auth runs instead of the client's, as reviewed text snapshots.

Rewrite them with ``UPDATE_AUTH_SNAPSHOTS=1 pytest tests/router/plugins/test_auth_snapshots.py``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from graphql import DocumentNode, parse, print_ast
from graphql.utilities import get_operation_ast

from router.pipeline import PreparedOperation
from router.planner.nodes import QueryPlan
from router.plugins.auth.operation import OperationAuth
from router.plugins.auth.rules import AuthRules
from router.supergraph.api_schema import build_api_schema
from tests.router.plugins.auth_identity import parse_identity
from tests.router.plugins.auth_subgraphs import auth_supergraph

SNAPSHOTS = Path(__file__).parent / "snapshots" / "auth"

CASES = {
    "user_loses_admin_fields_in_a_fragment": (
        "user:1",
        "query Me { me { ...U } } fragment U on User { id name email phone }",
    ),
    "fragment_kept_in_one_place_dropped_in_another": (
        "user:1",
        "{ me { ...N } users { ...N } } fragment N on User { name }",
    ),
    "anonymous_keeps_public_root_fields_only": (
        "",
        "query { publicInfo me @include(if: true) { name } media { title } notes undecided }",
    ),
    "interface_field_checked_per_type_condition": (
        "",
        "{ media { id rating ... on Movie { rating } ... on Book { alias: rating title } } }",
    ),
    "api_key_without_scope_on_a_mutation": (
        "key:k1:",
        "mutation Add($text: String!) { addNote(text: $text) wipe }",
    ),
}


def _auth(query: str) -> OperationAuth:
    sdl = auth_supergraph()
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    prepared = PreparedOperation(document, operation)
    return OperationAuth(build_api_schema(sdl), AuthRules.from_sdl(sdl), prepared)


def _filtered_text(who: str, query: str) -> str:
    auth = _auth(query)
    refusals = auth.refusals(parse_identity(who))
    variant = auth.variant(refusals, lambda doc, text, name: QueryPlan(None))
    lines = [f"# caller: {who or 'anonymous'}", "# client:", query, "# runs:"]
    lines.append(print_ast(variant.document) if variant.document else "(nothing: no subgraph call)")
    lines.append("# errors:")
    lines += [f"{e['path']} {e['extensions']['code']}: {e['message']}" for e in variant.errors]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_filtered_operation_matches_snapshot(name: str) -> None:
    who, query = CASES[name]
    text = _filtered_text(who, query)
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("UPDATE_AUTH_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing snapshot {path}; run with UPDATE_AUTH_SNAPSHOTS=1"
    assert text == path.read_text()


def test_variant_is_made_and_planned_once_per_outcome() -> None:
    auth = _auth("{ publicInfo me { name } }")
    planned: list[str] = []

    def plan(document: DocumentNode, text: str, name: str | None) -> QueryPlan:
        planned.append(text)
        return QueryPlan(None)

    anonymous = parse_identity("")
    first = auth.variant(auth.refusals(anonymous), plan)
    second = auth.variant(auth.refusals(parse_identity("")), plan)
    assert first is second
    assert planned == ["{\n  publicInfo\n}"]
    assert auth.refusals(parse_identity("user:1")) == ()
