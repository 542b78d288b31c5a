"""Skills as tools: which skills a mate and caller are offered, and the operation they run."""

from __future__ import annotations

from shared.identity import CallerKind, Identity, Role
from subgraphs.ai.tools import ToolCatalog
from tests.support.identity import user_identity

CALC = "tests.subgraphs.ai.fixtures.calc.app:app"


def catalog() -> ToolCatalog:
    return ToolCatalog.from_modules([CALC, "subgraphs.ai.app:app"])


def test_the_ai_apps_own_skill_is_never_a_tool_and_calc_is() -> None:
    tools = catalog().tools
    assert list(tools) == ["calcEvaluate"]
    tool = tools["calcEvaluate"]
    assert tool.document == (
        "mutation Tool($input: CalcEvaluateInput!) "
        "{ calcEvaluate(input: $input) { expression value } }"
    )
    assert tool.spec.parameters["required"] == ["expression"]


def test_tools_are_filtered_by_the_mates_apps() -> None:
    who = user_identity("u1")
    assert [t.skill.name for t in catalog().offered(who, frozenset({"calc"}))] == ["evaluate"]
    assert catalog().offered(who, frozenset({"web", "pdf"})) == []
    assert len(catalog().offered(who, frozenset({"*"}))) == 1


def test_api_keys_and_anonymous_callers_get_no_tools() -> None:
    key = Identity(kind=CallerKind.API_KEY, role=Role.USER, user_id="u1", api_key_id="k1")
    assert catalog().offered(key, frozenset({"*"})) == []
    assert catalog().offered(Identity.anonymous(), frozenset({"*"})) == []
