"""`python -m router plan` prints the plan of an operation file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from router.__main__ import main
from router.planner.render import plan_to_dict
from tests.router.planner.support import SUPERGRAPHS, plan


def test_plan_command_prints_apollo_like_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = tmp_path / "q.graphql"
    query.write_text("query Me { me { name reviews { body } } }")
    code = main(["plan", "--supergraph", str(SUPERGRAPHS / "shop.graphql"), "--query", str(query)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith('QueryPlan {\n  Sequence {\n    Fetch(service: "accounts") {')
    assert 'Flatten(path: "me") {' in out
    assert "query Me__reviews__1($representations: [_Any!]!) {" in out


def test_plan_command_reports_unknown_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = tmp_path / "q.graphql"
    query.write_text("{ nope }")
    code = main(["plan", "--supergraph", str(SUPERGRAPHS / "shop.graphql"), "--query", str(query)])
    assert code == 2
    assert "nope" in capsys.readouterr().err


def test_plan_dict_is_apollo_json_shape() -> None:
    data = plan_to_dict(plan("shop", "{ me { reviews { body } } }"))
    json.dumps(data)
    assert data["kind"] == "QueryPlan"
    sequence = data["node"]
    assert sequence["kind"] == "Sequence"
    flatten = sequence["nodes"][1]
    assert flatten == {
        "kind": "Flatten",
        "path": ["me"],
        "node": {
            "kind": "Fetch",
            "serviceName": "reviews",
            "variableUsages": [],
            "operation": "query($representations:[_Any!]!){_entities(representations:"
            "$representations){...on User{reviews{body}}}}",
            "operationKind": "query",
            "operationName": None,
            "requires": [
                {
                    "kind": "InlineFragment",
                    "typeCondition": "User",
                    "selections": [
                        {"kind": "Field", "name": "__typename"},
                        {"kind": "Field", "name": "id"},
                    ],
                }
            ],
        },
    }
