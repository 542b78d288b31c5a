"""plugins.auth: @auth checked before any subgraph is called, refused fields null with errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from router.config import RouterConfig
from router.http.runtime import build_router
from router.plugins.auth.rules import DENY, AuthRules, Requirement, default_requirement
from shared.identity import CallerKind, Identity, Role
from tests.router.http.fixtures import client_for, in_process_transports, supergraph_sdl
from tests.router.plugins.auth_subgraphs import MUTATIONS, SECRET, auth_supergraph
from tests.router.plugins.auth_support import AuthClient, auth_router
from tests.support.servers import REPO_ROOT

ANON, USER, OTHER, ADMIN = "", "user:1", "user:2", "admin:9"
KEY, KEY_NOTES = "key:k1:", "key:k2:notes:read,notes:write"


def codes(body: dict[str, Any]) -> list[tuple[list[Any], str]]:
    """(path, code) of every error."""
    return [(e.get("path"), (e.get("extensions") or {}).get("code")) for e in body["errors"]]


@pytest.fixture
async def router() -> Any:
    async with auth_router() as client:
        yield client


# --- the directive in the supergraph ------------------------------------------------------


def test_platform_supergraph_carries_auth_and_the_api_schema_does_not() -> None:
    supergraph = (REPO_ROOT / "supergraph" / "supergraph.graphql").read_text()
    api = (REPO_ROOT / "schema" / "schema.graphql").read_text()
    assert '@link(url: "https://mateway.dev/auth/v1.0", import: ["@auth"])' in supergraph
    assert "directive @auth(requires: Role! = USER, scopes: [String!])" in supergraph
    rules = AuthRules.from_sdl(supergraph)
    assert rules.declared("Query", "builtinMates") == Requirement(Role.ANONYMOUS)
    assert rules.declared("Chat", "id") == Requirement(Role.USER, frozenset({"chats:read"}))
    # As in Apollo's API schema, composed directives stay out of the client's schema.
    assert "@auth" not in api


def test_type_level_auth_applies_to_fields_and_the_stricter_requirement_wins() -> None:
    rules = AuthRules.from_sdl(auth_supergraph())
    assert rules.declared("User", "name") == Requirement(Role.USER)
    assert rules.declared("User", "email") == Requirement(Role.ADMIN)
    assert rules.field("Query", "me", "User") == Requirement(Role.USER)
    assert rules.declared("Query", "undecided") is DENY
    assert not rules.is_marked("Query", "undecided")


def test_requirement_checks_role_and_api_key_scopes() -> None:
    scoped = Requirement(Role.USER, frozenset({"notes:read"}))
    key = Identity(CallerKind.API_KEY, Role.USER, api_key_id="k", scopes=frozenset())
    user = Identity(CallerKind.USER, Role.USER, user_id="u")
    assert scoped.check(Identity.anonymous()) == "UNAUTHENTICATED"
    assert scoped.check(key) == "FORBIDDEN"
    assert scoped.check(user) == "allowed"  # a signed-in session holds every scope
    assert DENY.check(Identity(CallerKind.USER, Role.ADMIN, user_id="a")) == "FORBIDDEN"


def test_default_policy_is_deny_or_a_role() -> None:
    assert default_requirement("deny") is DENY
    assert default_requirement("user") == Requirement(Role.USER)
    with pytest.raises(ValueError, match=r"plugins\.auth\.default"):
        default_requirement("everyone")


# --- each kind of field for each caller ----------------------------------------------------

CASES = [
    # query, caller, expected (path, code) errors
    ("{ publicInfo }", ANON, []),
    ("{ me { name } }", ANON, [(["me"], "UNAUTHENTICATED")]),
    ("{ me { name } }", USER, []),
    ("{ me { name } }", KEY, []),
    ("{ users { name } }", USER, [(["users"], "FORBIDDEN")]),
    ("{ users { name } }", ADMIN, []),
    ("{ me { email } }", OTHER, [(["me", "email"], "FORBIDDEN")]),
    ("{ me { email } }", ADMIN, []),
    ("{ notes }", ANON, [(["notes"], "UNAUTHENTICATED")]),
    ("{ notes }", KEY, [(["notes"], "FORBIDDEN")]),
    ("{ notes }", KEY_NOTES, []),
    ("{ notes }", USER, []),
    ("{ undecided }", ADMIN, [(["undecided"], "FORBIDDEN")]),
]


@pytest.mark.parametrize(("query", "who", "expected"), CASES)
async def test_field_is_answered_or_refused_by_its_auth(
    router: AuthClient, query: str, who: str, expected: list[Any]
) -> None:
    body = await router.run(query, who)
    assert (codes(body) if "errors" in body else []) == expected
    if expected:
        assert SECRET not in json.dumps(body)


async def test_other_fields_are_still_answered(router: AuthClient) -> None:
    body = await router.run("{ publicInfo me { name } }", ANON)
    assert body["data"] == {"publicInfo": "hello", "me": None}
    assert body["errors"] == [
        {
            "message": "Sign in to access Query.me.",
            "locations": [{"line": 1, "column": 14}],
            "path": ["me"],
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ]
    assert [c.query for c in router.calls] == ["query{publicInfo}"]


async def test_refused_non_null_field_nulls_its_parent_without_extra_errors(
    router: AuthClient,
) -> None:
    body = await router.run("{ publicInfo me { name phone } }", USER)
    assert body["data"] == {"publicInfo": "hello", "me": None}
    assert codes(body) == [(["me", "phone"], "FORBIDDEN")]


async def test_refused_non_null_root_field_nulls_data(router: AuthClient) -> None:
    body = await router.run("{ publicInfo secretCount }", USER)
    assert body["data"] is None
    assert codes(body) == [(["secretCount"], "FORBIDDEN")]


async def test_error_path_under_a_list_stops_at_the_list_field(router: AuthClient) -> None:
    body = await router.run("{ media { title ... on Book { rating } } }", ANON)
    assert body["data"] == {"media": [{"title": "Dune", "rating": None}, {"title": "Alien"}]}
    assert codes(body) == [(["media"], "UNAUTHENTICATED")]


# --- no bypass -------------------------------------------------------------------------------


async def test_aliases_cannot_bypass(router: AuthClient) -> None:
    body = await router.run("{ a: publicInfo b: me { n: name e: email } }", USER)
    assert body["data"] == {"a": "hello", "b": {"n": "Ada", "e": None}}
    assert codes(body) == [(["b", "e"], "FORBIDDEN")]
    assert SECRET not in json.dumps(body)


async def test_named_and_inline_fragments_cannot_bypass(router: AuthClient) -> None:
    query = """
    query { me { ...U } ... on Query { me2: me { ... on User { email } } } }
    fragment U on User { name email }
    """
    body = await router.run(query, USER)
    # me2 selected nothing the caller may see: it is not fetched at all (its existence is
    # no one's business either), so it answers null.
    assert body["data"] == {"me": {"name": "Ada", "email": None}, "me2": None}
    assert codes(body) == [(["me", "email"], "FORBIDDEN"), (["me2", "email"], "FORBIDDEN")]
    assert all("email" not in call.query for call in router.calls)


async def test_typename_is_always_allowed(router: AuthClient) -> None:
    body = await router.run("{ __typename }", ANON)
    assert body == {"data": {"__typename": "Query"}}
    assert router.calls == []


async def test_introspection_is_not_this_plugins_business(router: AuthClient) -> None:
    body = await router.run('{ __schema { queryType { name } } __type(name: "User") { name } }')
    assert body == {
        "data": {"__schema": {"queryType": {"name": "Query"}}, "__type": {"name": "User"}}
    }


async def test_interface_field_needs_every_implementation_to_allow_it(router: AuthClient) -> None:
    body = await router.run("{ media { title rating } }", ANON)
    expected = [{"title": "Dune", "rating": None}, {"title": "Alien", "rating": None}]
    assert body["data"] == {"media": expected}
    assert codes(body) == [(["media"], "UNAUTHENTICATED")]
    signed_in = await router.run("{ media { title rating } }", USER)
    assert signed_in == {
        "data": {"media": [{"title": "Dune", "rating": 5}, {"title": "Alien", "rating": 4}]}
    }


async def test_concrete_type_condition_is_checked_per_type(router: AuthClient) -> None:
    body = await router.run("{ search { ... on Movie { rating } ... on Book { title rating } } }")
    assert body["data"] == {"search": [{"title": "Dune", "rating": None}, {"rating": 4}]}
    assert codes(body) == [(["search"], "UNAUTHENTICATED")]


# --- nothing sent that may not be ----------------------------------------------------------


async def test_no_subgraph_is_called_when_every_root_field_is_refused(
    router: AuthClient,
) -> None:
    body = await router.run("{ me { name reviews { body } } users { id } }", ANON)
    assert body == {
        "data": None,  # users is non-null
        "errors": body["errors"],
    }
    assert codes(body) == [(["me"], "UNAUTHENTICATED"), (["users"], "UNAUTHENTICATED")]
    assert router.calls == []


async def test_refused_entity_field_is_not_fetched_from_its_subgraph(router: AuthClient) -> None:
    body = await router.run("{ me { name reviews { body } } }", KEY)
    assert body == {"data": {"me": {"name": "Ada", "reviews": [{"body": "review of 1"}]}}}
    body = await router.run("{ reviewCount me { email reviews { body } } }", OTHER)
    assert codes(body) == [(["me", "email"], "FORBIDDEN")]
    assert body["data"]["me"]["reviews"] == [{"body": "review of 1"}]


async def test_refused_mutation_is_never_sent(router: AuthClient) -> None:
    before = list(MUTATIONS)
    body = await router.run("mutation($t: String!) { addNote(text: $t) }", KEY, {"t": "x"})
    assert codes(body) == [(["addNote"], "FORBIDDEN")]
    body = await router.run("mutation { wipe }", USER)
    assert codes(body) == [(["wipe"], "FORBIDDEN")]
    assert router.calls == [] and before == MUTATIONS
    body = await router.run("mutation($t: String!) { addNote(text: $t) }", KEY_NOTES, {"t": "y"})
    assert body == {"data": {"addNote": "y"}}
    assert [*before, "y"] == MUTATIONS


async def test_default_policy_can_open_unmarked_fields_to_a_role() -> None:
    async with auth_router({"default": "user"}) as client:
        refused = await client.run("{ undecided }", ANON)
        allowed = await client.run("{ undecided }", USER)
    assert codes(refused) == [(["undecided"], "UNAUTHENTICATED")]
    assert allowed == {"data": {"undecided": f"undecided-{SECRET}"}}


# --- configuration -------------------------------------------------------------------------


async def test_fragment_bomb_is_refused_before_it_is_walked_out() -> None:
    query = (
        "{ media { ...A ...A } } fragment A on Media { ...B ...B } "
        "fragment B on Media { ...C ...C } fragment C on Media { id title }"
    )
    async with auth_router({"max_selections": 10}) as router:
        response = await router.client.post("/graphql", json={"query": query})
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "OPERATION_TOO_LARGE"


async def test_plugin_is_idle_on_a_supergraph_without_mateway_auth_unless_told() -> None:
    foreign = supergraph_sdl()  # the HTTP tests' federation: no @auth anywhere
    transports = in_process_transports()
    plain = RouterConfig(mode="production", plugins={"identity": {"enabled": False}})
    strict = RouterConfig(
        mode="production", plugins={"identity": {"enabled": False}, "auth": {"default": "deny"}}
    )
    answers = []
    for config in (plain, strict):
        async with client_for(build_router(foreign, config, transports)) as client:
            answers.append(
                (await client.post("/graphql", json={"query": "{ me { name } }"})).json()
            )
    assert answers[0] == {"data": {"me": {"name": "Ada"}}}
    assert codes(answers[1]) == [(["me"], "UNAUTHENTICATED")]


async def test_enabled_false_turns_the_plugin_off() -> None:
    async with auth_router({"enabled": False}) as router:
        body = await router.run("{ undecided }", ANON)
    assert body == {"data": {"undecided": f"undecided-{SECRET}"}}


# --- subscriptions -------------------------------------------------------------------------

SSE = {"accept": "text/event-stream"}


def _events(text: str) -> list[Any]:
    return [
        json.loads(line.removeprefix("data:"))
        for line in text.splitlines()
        if line.startswith("data:") and line.strip() != "data:"
    ]


async def test_subscription_events_answer_refused_fields_null_with_errors(
    router: AuthClient,
) -> None:
    query = "subscription { ticks(count: 2) { n secret } }"
    response = await router.client.post(
        "/graphql", json={"query": query}, headers={**SSE, "x-test-identity": USER}
    )
    events = _events(response.text)
    assert [e["data"] for e in events] == [
        {"ticks": {"n": 0, "secret": None}},
        {"ticks": {"n": 1, "secret": None}},
    ]
    assert all(codes(e) == [(["ticks", "secret"], "FORBIDDEN")] for e in events)
    assert SECRET not in response.text


async def test_refused_subscription_is_never_opened(router: AuthClient) -> None:
    response = await router.client.post(
        "/graphql", json={"query": "subscription { adminTicks }"}, headers=SSE
    )
    assert codes(response.json()) == [(["adminTicks"], "UNAUTHENTICATED")]
