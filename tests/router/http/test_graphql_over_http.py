"""GraphQL over HTTP through the router app: methods, media types, status codes, limits."""

from __future__ import annotations

import orjson
import pytest

from router.config import RouterConfig
from tests.router.http.fixtures import client_for, make_router

QUERY = "{ me { name reviews { body author { name } } } }"
EXPECTED = {
    "me": {
        "name": "Ada",
        "reviews": [
            {"body": "Great", "author": {"name": "Ada"}},
            {"body": "Fine", "author": {"name": "Ada"}},
        ],
    }
}
GRAPHQL_JSON = "application/graphql-response+json"


async def test_post_json_query_resolves_fields_across_subgraphs() -> None:
    async with client_for(make_router()) as client:
        response = await client.post("/graphql", json={"query": QUERY})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": EXPECTED}


async def test_graphql_response_json_is_answered_in_that_media_type() -> None:
    async with client_for(make_router()) as client:
        response = await client.post(
            "/graphql", json={"query": QUERY}, headers={"accept": GRAPHQL_JSON}
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_JSON)
    assert response.json() == {"data": EXPECTED}


async def test_get_runs_a_query_from_the_query_string() -> None:
    params = {"query": "query Me($x: Boolean!) { me { name @include(if: $x) } }"}
    params["variables"] = '{"x": true}'
    async with client_for(make_router()) as client:
        response = await client.get("/graphql", params=params, headers={"accept": GRAPHQL_JSON})
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"name": "Ada"}}}


async def test_get_never_runs_a_mutation() -> None:
    params = {"query": 'mutation { addReview(body: "x") { body } }'}
    async with client_for(make_router()) as client:
        response = await client.get("/graphql", params=params, headers={"accept": GRAPHQL_JSON})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "data" not in response.json()


async def test_post_runs_a_mutation() -> None:
    body = {"query": 'mutation { addReview(body: "Superb") { body author { name } } }'}
    async with client_for(make_router()) as client:
        response = await client.post("/graphql", json=body)
    assert response.json() == {
        "data": {"addReview": {"body": "Superb", "author": {"name": "Brian"}}}
    }


@pytest.mark.parametrize(
    ("query", "message_part", "code"),
    [
        ("{ me { name ", "Syntax Error", "GRAPHQL_PARSE_FAILED"),
        (
            "{ me { nope } }",
            'Cannot query field "nope" on type "User".',
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ],
)
async def test_request_errors_are_400_for_graphql_response_json_and_200_for_json(
    query: str, message_part: str, code: str
) -> None:
    async with client_for(make_router()) as client:
        strict = await client.post(
            "/graphql", json={"query": query}, headers={"accept": GRAPHQL_JSON}
        )
        legacy = await client.post(
            "/graphql", json={"query": query}, headers={"accept": "application/json"}
        )
    assert strict.status_code == 400
    assert legacy.status_code == 200
    for response in (strict, legacy):
        body = response.json()
        assert "data" not in body
        assert message_part in body["errors"][0]["message"]
        assert body["errors"][0]["extensions"]["code"] == code


async def test_unknown_operation_name_is_a_request_error() -> None:
    body = {"query": "query A { me { name } }", "operationName": "B"}
    async with client_for(make_router()) as client:
        response = await client.post("/graphql", json=body, headers={"accept": GRAPHQL_JSON})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == 'Unknown operation named "B".'


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[1, 2]",
        b'{"query": 3}',
        b'{"variables": {}}',
        b'{"query": "{ me { name } }", "variables": [1]}',
    ],
)
async def test_malformed_requests_are_400_whatever_the_media_type(content: bytes) -> None:
    headers = {"content-type": "application/json", "accept": "application/json"}
    async with client_for(make_router()) as client:
        response = await client.post("/graphql", content=content, headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


async def test_non_json_content_type_is_415() -> None:
    async with client_for(make_router()) as client:
        response = await client.post(
            "/graphql", content=b"{ me { name } }", headers={"content-type": "text/plain"}
        )
    assert response.status_code == 415


async def test_unacceptable_accept_header_is_406() -> None:
    async with client_for(make_router()) as client:
        response = await client.post(
            "/graphql", json={"query": QUERY}, headers={"accept": "application/xml"}
        )
    assert response.status_code == 406


async def test_body_over_the_limit_is_413_before_parsing() -> None:
    app = make_router(RouterConfig(max_body_bytes=64))
    small = {"query": "{ me { name } }"}
    large = {"query": "{ me { name } }" + " " * 100}
    async with client_for(app) as client:
        ok = await client.post("/graphql", json=small)
        too_large = await client.post("/graphql", json=large)
        chunked = await client.post(
            "/graphql",
            content=_chunks(orjson.dumps(large)),
            headers={"content-type": "application/json"},
        )
    assert ok.status_code == 200
    assert too_large.status_code == 413
    assert chunked.status_code == 413


async def _chunks(body: bytes):  # type: ignore[no-untyped-def]
    """A body without content-length, in small chunks."""
    for start in range(0, len(body), 16):
        yield body[start : start + 16]


async def test_other_methods_on_graphql_are_405() -> None:
    async with client_for(make_router()) as client:
        response = await client.put("/graphql", json={"query": QUERY})
    assert response.status_code == 405


async def test_query_plan_is_in_extensions_in_development_mode_when_asked() -> None:
    body = {"query": QUERY, "extensions": {"queryPlan": True}}
    async with client_for(make_router(RouterConfig(mode="development"))) as client:
        asked = (await client.post("/graphql", json=body)).json()
        not_asked = (await client.post("/graphql", json={"query": QUERY})).json()
    plan = asked["extensions"]["queryPlan"]
    assert plan["kind"] == "QueryPlan"
    assert plan["node"]["kind"] == "Sequence"
    services = [
        step.get("serviceName") or step["node"]["serviceName"] for step in plan["node"]["nodes"]
    ]
    assert services == ["accounts", "reviews", "accounts"]
    assert "extensions" not in not_asked


async def test_query_plan_is_never_exposed_in_production_mode() -> None:
    body = {"query": QUERY, "extensions": {"queryPlan": True}}
    async with client_for(make_router(RouterConfig(mode="production"))) as client:
        response = (await client.post("/graphql", json=body)).json()
    assert response == {"data": EXPECTED}


async def test_introspection_is_answered_by_the_router() -> None:
    query = '{ __type(name: "User") { fields { name } } }'
    async with client_for(make_router()) as client:
        response = await client.post("/graphql", json={"query": query})
    names = {field["name"] for field in response.json()["data"]["__type"]["fields"]}
    assert names == {"id", "name", "reviews"}


async def test_unknown_paths_are_404() -> None:
    async with client_for(make_router()) as client:
        response = await client.get("/nope")
    assert response.status_code == 404
