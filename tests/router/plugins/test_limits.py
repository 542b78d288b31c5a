"""plugins.limits: depth, aliases, tokens, root fields and estimated cost."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from router.plugins._edge import PluginConfigError
from tests.router.http.fixtures import client_for
from tests.router.plugins.support import error_code, router_with

DEEP = "{ me { reviews { author { reviews { body } } } } }"  # depth 5


async def _post(limits: dict[str, Any], query: str, **extra: Any) -> httpx.Response:
    async with client_for(router_with({"limits": limits})) as client:
        return await client.post("/graphql", json={"query": query, **extra})


async def test_operation_within_every_limit_runs() -> None:
    limits = {"max_depth": 5, "max_aliases": 0, "max_tokens": 100, "max_root_fields": 1}
    response = await _post(limits, DEEP)
    assert response.status_code == 200
    assert response.json()["data"]["me"]["reviews"][0]["author"]["reviews"][0]["body"] == "Great"


async def test_too_deep_operation_is_rejected_with_limit_and_actual() -> None:
    response = await _post({"max_depth": 4}, DEEP)
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "MAX_DEPTH_EXCEEDED", "limit": 4, "actual": 5}
    assert "data" not in response.json()


async def test_fragment_spreads_count_toward_depth() -> None:
    query = """
      query { me { ...A } }
      fragment A on User { reviews { ...B } }
      fragment B on Review { author { reviews { body } } }
    """
    response = await _post({"max_depth": 4}, query)
    assert response.json()["errors"][0]["extensions"]["actual"] == 5


async def test_aliases_inside_fragments_count_once_per_spread() -> None:
    query = """
      query { me { ...Names ...Names r: reviews { ...Bodies } } }
      fragment Names on User { a: name b: name }
      fragment Bodies on Review { x: body y: body z: body }
    """
    response = await _post({"max_aliases": 7}, query)
    # 2 aliases x 2 spreads + 1 (r) + 3 inside the nested fragment = 8
    assert response.json()["errors"][0]["extensions"] == {
        "code": "MAX_ALIASES_EXCEEDED",
        "limit": 7,
        "actual": 8,
    }
    assert (await _post({"max_aliases": 8}, query)).json()["data"]["me"]["a"] == "Ada"


async def test_nested_fragment_spreads_multiply_aliases_without_blowing_up() -> None:
    # Each level spreads the next ten times: 10**4 aliased fields from a tiny document.
    levels = [
        f"fragment L{i} on User {{ {' '.join(['...L' + str(i + 1)] * 10)} }}" for i in range(4)
    ]
    query = "query { me { ...L0 } }\n" + "\n".join(levels) + "\nfragment L4 on User { n: name }"
    response = await _post({"max_aliases": 100}, query)
    assert response.json()["errors"][0]["extensions"] == {
        "code": "MAX_ALIASES_EXCEEDED",
        "limit": 100,
        "actual": 10**4,
    }


async def test_token_limit_rejects_huge_documents_while_parsing() -> None:
    query = "{ me { " + "name " * 500 + "} }"
    response = await _post({"max_tokens": 100}, query)
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "MAX_TOKENS_EXCEEDED", "limit": 100}
    assert "more than 100 tokens" in error["message"]


async def test_root_field_limit_counts_fragments_on_the_root() -> None:
    query = (
        "query { a: me { name } ...Root } "
        "fragment Root on Query { b: me { name } reviews { body } }"
    )
    response = await _post({"max_root_fields": 2}, query)
    assert response.json()["errors"][0]["extensions"] == {
        "code": "MAX_ROOT_FIELDS_EXCEEDED",
        "limit": 2,
        "actual": 3,
    }


async def test_estimated_cost_multiplies_by_list_sizes() -> None:
    # reviews (1) + 10 (default list size) x (author (1) + its leaf 0) = 11
    query = "{ reviews { author { name } } }"
    assert error_code((await _post({"max_cost": 11}, query)).json()) is None
    response = await _post({"max_cost": 10}, query)
    assert response.json()["errors"][0]["extensions"] == {
        "code": "COST_ESTIMATED_TOO_EXPENSIVE",
        "limit": 10,
        "actual": 11,
    }
    smaller = await _post({"max_cost": 10, "default_list_size": 2}, query)
    assert smaller.json()["data"]["reviews"][0]["author"]["name"] == "Ada"


async def test_limits_apply_in_graphql_response_json_with_status_400() -> None:
    async with client_for(router_with({"limits": {"max_depth": 2}})) as client:
        response = await client.post(
            "/graphql",
            json={"query": DEEP},
            headers={"accept": "application/graphql-response+json"},
        )
    assert response.status_code == 400
    assert error_code(response.json()) == "MAX_DEPTH_EXCEEDED"


@pytest.mark.parametrize(
    ("section", "mentions"),
    [
        ({"max_depth": 0}, "max_depth"),
        ({"max_dept": 3}, "max_dept"),
        ({"max_cost": "x"}, "max_cost"),
    ],
)
def test_bad_limits_config_fails_at_startup_naming_the_setting(
    section: dict[str, Any], mentions: str
) -> None:
    with pytest.raises(PluginConfigError, match=rf"plugins\.limits: .*{mentions}"):
        router_with({"limits": section})
