"""Plugins hook the pipeline's stages (configured in the router config's ``plugins``)."""

from __future__ import annotations

from typing import Any

from router.config import RouterConfig
from router.transports import GraphQLResponse, SubgraphTransport
from shared.identity import CLIENT_IP_HEADER, INTERNAL_TOKEN_HEADER
from tests.router.http.fixtures import client_for, in_process_transports, make_router

PLUGIN = "tests.router.http.sample_plugin"
DOCUMENTS = {"me": "query Me { me { name } }"}


class RecordingTransport:
    """Passes requests on and remembers the headers each one carried."""

    def __init__(self, inner: SubgraphTransport) -> None:
        self.inner = inner
        self.headers: list[dict[str, str] | None] = []

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        self.headers.append(headers)
        return await self.inner.execute(query, variables, operation_name, headers)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _router(read_only: bool = False, transports: dict[str, Any] | None = None) -> Any:
    settings = {"documents": DOCUMENTS, "read_only": read_only}
    config = RouterConfig(mode="production", plugins={PLUGIN: settings})
    return make_router(config, transports=transports)


async def test_router_request_hook_can_supply_the_document() -> None:
    async with client_for(_router()) as client:
        body = {"query": "{ __typename }", "extensions": {"documentId": "me"}}
        response = await client.post("/graphql", json=body)
    assert response.json() == {"data": {"me": {"name": "Ada"}}}


async def test_a_hook_error_ends_the_request_with_its_status() -> None:
    async with client_for(_router()) as client:
        response = await client.post(
            "/graphql", json={"query": "{ me { name } }"}, headers={"x-blocked": "1"}
        )
    assert response.status_code == 403
    assert response.json() == {
        "errors": [{"message": "Blocked", "extensions": {"code": "FORBIDDEN"}}]
    }


async def test_validated_stage_rejects_before_planning() -> None:
    app = _router(read_only=True)
    query = 'mutation Add { addReview(body: "x") { body } }'
    async with client_for(app) as client:
        response = await client.post("/graphql", json={"query": query})
    assert response.json()["errors"][0]["extensions"]["code"] == "READ_ONLY"
    (prepared,) = [app.pipeline.operations.get((query, None))]
    assert prepared is not None and prepared.plan is None  # never planned


async def test_plan_ready_hook_adds_headers_sent_to_every_subgraph() -> None:
    transports = {name: RecordingTransport(t) for name, t in in_process_transports().items()}
    async with client_for(_router(transports=transports)) as client:
        response = await client.post(
            "/graphql", json={"query": "query Mine { me { reviews { body } } }"}
        )
    assert response.json()["data"]["me"]["reviews"][0] == {"body": "Great"}
    for name in ("accounts", "reviews"):
        sent = dict(*transports[name].headers)
        # Besides the hook's header, the identity plugin's internal token (on by default)
        # and the caller's address for per-IP throttling in subgraphs.
        assert sent.pop(INTERNAL_TOKEN_HEADER)
        assert sent.pop(CLIENT_IP_HEADER)
        assert sent == {"x-operation": "Mine"}


async def test_a_hook_can_answer_without_calling_any_subgraph() -> None:
    transports = {name: RecordingTransport(t) for name, t in in_process_transports().items()}
    async with client_for(_router(transports=transports)) as client:
        response = await client.post("/graphql", json={"query": "query Cached { me { name } }"})
    assert response.json() == {"data": {"cached": True}}
    assert transports["accounts"].headers == []


async def test_a_failing_hook_answers_500_with_a_graphql_error() -> None:
    from router.pipeline import RequestContext, Stage

    app = make_router(RouterConfig(mode="production"))

    async def broken(_: RequestContext) -> None:
        raise RuntimeError("secret detail")

    app.pipeline.hook(Stage.PLAN_READY, broken)
    async with client_for(app) as client:
        response = await client.post("/graphql", json={"query": "{ me { name } }"})
    assert response.status_code == 500
    error = response.json()["errors"][0]
    assert error == {
        "message": "Internal server error.",
        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
    }
