"""The authorization matrix: every field of the API schema, for every kind of caller.

Generated at test time from the committed supergraph: for each field reachable from the
roots, a minimal operation reaching it runs through the router (plugins.auth, the real
apps in-process) as anonymous, a user, another user, an admin, an API key without scopes
and one holding the field's scopes. The expected outcome comes from the field's @auth.

Adding a field? Give it @auth (shared.apps.directives). If it is public, add it to
PUBLIC_FIELDS below: being public is a decision someone reviews, not a default. If it needs
arguments the generator cannot invent, add them to ARGUMENTS. If it belongs to someone
(chats, messages, API keys), add it to OWNED_RESOURCES: another user must get NOT_FOUND.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    Undefined,
)

from router.config import RouterConfig
from router.http.command import yaml_transports
from router.http.runtime import build_router
from router.plugins.auth.rules import AuthRules, Outcome, Requirement
from router.supergraph.api_schema import build_api_schema
from router.supergraph_config import SupergraphConfig
from router.transports import GraphQLResponse, SubgraphTransport
from shared.auth.scopes import unknown_scopes
from subgraphs.mates.service import builtin_mates_by_id
from tests.router.plugins.auth_identity import HEADER, parse_identity
from tests.router.plugins.auth_identity import PLUGIN as IDENTITY_PLUGIN

ROOT = Path(__file__).resolve().parents[2]
SUPERGRAPH = (ROOT / "supergraph" / "supergraph.graphql").read_text()
SCHEMA = build_api_schema(SUPERGRAPH)
RULES = AuthRules.from_sdl(SUPERGRAPH)

# Fields anyone may read, on purpose. Reviewed: each one is safe for the whole internet.
PUBLIC_FIELDS = frozenset(
    {
        "Query.checkInviteTokenValid",  # asked before signing up; answers only true/false
        "Query.checkUsernameValid",  # asked while signing up
        "UsernameCheck.valid",
        "UsernameCheck.message",
        # Account operations callers make before they have a session (throttled in core).
        "Mutation.signup",
        "Mutation.verifyEmailCode",
        "Mutation.resendEmailCode",
        "Mutation.login",
        "Mutation.refresh",
        "Mutation.logout",  # ends the session of the tokens it is given, nothing else
        "Mutation.requestPasswordReset",
        "Mutation.resetPassword",
        # The answers of those operations: the caller's own new account or tokens.
        "SignupPayload.userId",
        "SignupPayload.emailCodeExpiresIn",
        "AuthPayload.accessToken",
        "AuthPayload.refreshToken",
        "AuthPayload.expiresIn",
        "AuthPayload.sessionId",
        "AuthPayload.userId",
        "Query.builtinMates",  # the mates every server offers
        "Query.builtinMate",
        "Mate.id",
        "Mate.name",
        "Mate.description",
        "Mate.systemPrompt",  # built-in prompts ship in the open-source repository
        "Mate.preferredModel",
        "Mate.allowedApps",
        "Mate.avatarColour",
        "Mate.builtin",
        # A chat read through its share link: the token finds the chat, the caller's own key
        # (from the link's fragment) decrypts it; nothing else of anyone is reachable.
        "Query.sharedChat",
        "SharedChat.title",
        "SharedChat.messages",
        "SharedMessage.id",
        "SharedMessage.role",
        "SharedMessage.text",
        "SharedMessage.createdAt",
    }
)

# Arguments for fields whose required arguments the generator should not invent.
ARGUMENTS: dict[str, dict[str, Any]] = {
    "Query.checkInviteTokenValid": {"token": "not-an-invite-code"},
    "Query.builtinMate": {"id": next(iter(builtin_mates_by_id()))},
    "Query.sharedChat": {"token": "not-a-share-token", "key": "not-a-key"},
    # JSON cannot carry a file: allowed callers get BAD_USER_INPUT, the rest are refused first.
    "Mutation.updateProfileImage": {"image": "not-a-file"},
}

# Fields whose value belongs to one user: field -> {argument: kind of resource it names}.
# Another user asking must get NOT_FOUND; resolvers check that, in the tests named below.
OWNED_RESOURCES: dict[str, dict[str, Any]] = {
    # mates app (argument -> the kind of resource it names); the NOT_FOUND answers to another
    # user are checked on a real Directus in tests/subgraphs/mates/test_ownership.py.
    "Query.mate": {"id": "mate"},
    "Mutation.updateMate": {"id": "mate"},
    "Mutation.deleteMate": {"id": "mate"},
    "Query.collection": {"id": "collection"},
    "Mutation.renameCollection": {"id": "collection"},
    "Mutation.deleteCollection": {"id": "collection"},
    "Mutation.addChatToCollection": {"collectionId": "collection", "chatId": "chat"},
    "Mutation.removeChatFromCollection": {"collectionId": "collection", "chatId": "chat"},
    "User.mates": {"id": "user"},
    "User.collections": {"id": "user"},
    # core chats; the NOT_FOUND answers to another user (and equal answers for unknown ids)
    # are checked on a real Directus in tests/subgraphs/core/test_chats_protection.py.
    "Query.chat": {"id": "chat"},
    "Query.chatMessages": {"chatId": "chat"},
    "Mutation.sendMessage": {"input.chatId": "chat"},
    "Mutation.renameChat": {"chatId": "chat"},
    "Mutation.deleteMessage": {"chatId": "chat", "messageId": "message"},
    "Mutation.deleteChat": {"chatId": "chat"},
    "Mutation.cancelReply": {"chatId": "chat", "messageId": "message"},
    "Mutation.shareChat": {"chatId": "chat"},
    "Mutation.revokeShare": {"chatId": "chat"},
}

AUTH_CODES = {"UNAUTHENTICATED", "FORBIDDEN"}


@dataclass(frozen=True)
class Caller:
    """One column of the matrix."""

    label: str
    header: str


APPS = list(SupergraphConfig.load(ROOT / "supergraph" / "supergraph.yaml").subgraphs)


def callers_for(requirement: Requirement) -> list[Caller]:
    """The callers every field is tried with.

    The scoped key holds those of the field's scopes a key can be given at all: a field
    asking for another (session_only's) is one no API key may call.
    """
    scopes = ",".join(sorted(s for s in requirement.scopes if not unknown_scopes([s], APPS)))
    return [
        Caller("anonymous", ""),
        Caller("user", "user:matrix-user"),
        Caller("another user", "user:matrix-other"),
        Caller("admin", "admin:matrix-admin"),
        Caller("API key without scopes", "key:matrix-key-bare:"),
        Caller("API key with the field's scopes", f"key:matrix-key-scoped:{scopes}"),
    ]


# --- the operations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One field on the way to a target: parent type, field, and the type condition used."""

    parent: str
    field: str
    condition: str | None = None


def _named(type_: GraphQLType) -> GraphQLNamedType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    assert isinstance(type_, GraphQLNamedType)
    return type_


def _value(type_: GraphQLType, where: str) -> Any:
    named = _named(type_)
    if isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    if isinstance(named, GraphQLScalarType):
        generated = {"String": "x", "ID": "1", "Int": 1, "Float": 1.0, "Boolean": True}
        if named.name in generated:
            return generated[named.name]
    if isinstance(named, GraphQLInputObjectType):
        return {
            name: _value(arg.type, f"{where}.{name}")
            for name, arg in named.fields.items()
            if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
        }
    raise AssertionError(f"add arguments for {where} to ARGUMENTS (cannot invent a {named})")


def arguments_of(coordinate: str, field: GraphQLField) -> dict[str, Any]:
    """The field's arguments: from ARGUMENTS, else generated for the required ones."""
    if coordinate in ARGUMENTS:
        return ARGUMENTS[coordinate]
    return {
        name: _value(arg.type, f"{coordinate}({name}:)")
        for name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
    }


def routes(schema: GraphQLSchema) -> dict[str, list[Step]]:
    """For every reachable field, the shortest path of fields from a root reaching it."""
    found: dict[str, list[Step]] = {}
    roots = [t for t in (schema.query_type, schema.mutation_type) if t is not None]
    queue: deque[tuple[GraphQLNamedType, list[Step]]] = deque((r, []) for r in roots)
    seen: set[str] = {r.name for r in roots}
    while queue:
        parent, path = queue.popleft()
        for concrete, condition in _members(schema, parent):
            for name, field in concrete.fields.items():
                coordinate = f"{concrete.name}.{name}"
                here = [*path, Step(concrete.name, name, condition)]
                found.setdefault(coordinate, here)
                child = _named(field.type)
                if child.name not in seen and not isinstance(child, GraphQLScalarType):
                    seen.add(child.name)
                    if not isinstance(child, GraphQLEnumType):
                        queue.append((child, here))
    return found


def _members(
    schema: GraphQLSchema, type_: GraphQLNamedType
) -> list[tuple[GraphQLObjectType | GraphQLInterfaceType, str | None]]:
    if isinstance(type_, GraphQLObjectType):
        return [(type_, None)]
    if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
        members = list(schema.get_possible_types(type_))
        own = [(type_, None)] if isinstance(type_, GraphQLInterfaceType) else []
        return [*own, *((m, m.name) for m in members)]
    return []


def graphql_literal(value: Any) -> str:
    """A value as a GraphQL literal (input objects have bare field names, unlike JSON)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {graphql_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(graphql_literal(v) for v in value) + "]"
    return json.dumps(value)


def operation_for(steps: list[Step]) -> str:
    """`query { a(x: 1) { ... on T { b { c } } } }` for the steps (leaf objects get __typename)."""
    body = ""
    for step in reversed(steps):
        parent = SCHEMA.get_type(step.parent)
        assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
        field = parent.fields[step.field]
        args = arguments_of(f"{step.parent}.{step.field}", field)
        text = step.field
        if args:
            text += "(" + ", ".join(f"{k}: {graphql_literal(v)}" for k, v in args.items()) + ")"
        if not body and not isinstance(_named(field.type), GraphQLScalarType | GraphQLEnumType):
            body = "__typename"
        text += f" {{ {body} }}" if body else ""
        body = f"... on {step.condition} {{ {text} }}" if step.condition else text
    kind = "mutation" if steps[0].parent == "Mutation" else "query"
    return f"{kind} {{ {body} }}"


def requirement_of(step: Step) -> Requirement:
    """What selecting one step demands (interfaces: every implementation's @auth too)."""
    parent = SCHEMA.get_type(step.parent)
    assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
    returned = _named(parent.fields[step.field].type).name
    requirement = RULES.field(step.parent, step.field, returned)
    if isinstance(parent, GraphQLInterfaceType):
        for possible in SCHEMA.get_possible_types(parent):
            own = possible.fields[step.field]
            requirement = requirement & RULES.field(
                possible.name, step.field, _named(own.type).name
            )
    return requirement


def expected_outcome(steps: list[Step], caller: Caller) -> Outcome:
    """The first refusal on the way to the field, or allowed."""
    identity = parse_identity(caller.header)
    for step in steps:
        outcome = requirement_of(step).check(identity)
        if outcome != "allowed":
            return outcome
    return "allowed"


ROUTES = routes(SCHEMA)


# --- running them --------------------------------------------------------------------------


class MatrixTransport:
    """Records every subgraph call; mutations are recorded but never run (no side effects)."""

    def __init__(self, inner: SubgraphTransport, calls: list[str]) -> None:
        self.inner = inner
        self.calls = calls
        self.app = getattr(inner, "app", None)
        self.url = getattr(inner, "url", "")

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        """Records the call; runs it unless it is a mutation."""
        self.calls.append(query)
        if query.lstrip().startswith("mutation"):
            return {"data": None}
        return await self.inner.execute(query, variables, operation_name, headers)

    async def aclose(self) -> None:
        """Closes the wrapped transport."""
        await self.inner.aclose()


@dataclass
class Matrix:
    """The router over the platform's apps, and the subgraph calls it made."""

    client: httpx.AsyncClient
    calls: list[str]


@pytest.fixture
async def matrix() -> AsyncIterator[Matrix]:
    calls: list[str] = []
    plugins = {"identity": {"enabled": False}, IDENTITY_PLUGIN: {"internal_token": True}}
    config = RouterConfig(mode="production", plugins={**plugins, "auth": {}})
    supergraph = SupergraphConfig.load(ROOT / "supergraph" / "supergraph.yaml")
    transports = {
        name: MatrixTransport(transport, calls)
        for name, transport in yaml_transports(supergraph, config).items()
    }
    router = build_router(SUPERGRAPH, config, transports)
    try:
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
            yield Matrix(client, calls)
    finally:
        await router.aclose()


def _auth_errors(body: dict[str, Any]) -> list[str]:
    return [
        str((e.get("extensions") or {}).get("code"))
        for e in body.get("errors") or ()
        if (e.get("extensions") or {}).get("code") in AUTH_CODES
    ]


def _leaf_values(data: Any, steps: list[Step]) -> list[Any]:
    """Every value the response holds at the target field (through lists and fragments)."""
    values = [data]
    for step in steps:
        nxt = []
        for value in values:
            items = value if isinstance(value, list) else [value]
            nxt += [v.get(step.field) for v in items if isinstance(v, dict) and step.field in v]
        values = nxt
    return [v for v in values if v is not None and v != []]


async def check_cell(matrix: Matrix, steps: list[Step], caller: Caller) -> str | None:
    """Runs one cell; a description of what went wrong, or None."""
    operation = operation_for(steps)
    matrix.calls.clear()
    response = await matrix.client.post(
        "/graphql", json={"query": operation}, headers={HEADER: caller.header}
    )
    body = response.json()
    expected = expected_outcome(steps, caller)
    found = _auth_errors(body)
    where = f"{caller.label}: {operation}"
    if expected == "allowed":
        return f"{where} was refused: {body}" if found else None
    if found != [expected]:
        return f"{where} expected one {expected} error, got {body}"
    if _leaf_values(body.get("data"), steps):
        return f"{where} leaked data: {body}"
    if matrix.calls:
        return f"{where} reached subgraphs although refused: {matrix.calls}"
    return None


# --- the tests -----------------------------------------------------------------------------


def _all_fields() -> list[str]:
    return sorted(
        f"{t.name}.{name}"
        for t in SCHEMA.type_map.values()
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType) and not t.name.startswith("__")
        for name in t.fields
    )


@pytest.mark.parametrize("coordinate", _all_fields())
def test_every_field_has_auth(coordinate: str) -> None:
    type_name, field_name = coordinate.split(".")
    assert RULES.is_marked(type_name, field_name), (
        f"{coordinate} has no @auth: give it (or its type) @auth(requires: ...) from "
        "shared.apps.directives, or public() and a PUBLIC_FIELDS entry if anyone may read it"
    )


@pytest.mark.parametrize("coordinate", _all_fields())
def test_public_fields_are_exactly_the_reviewed_ones(coordinate: str) -> None:
    type_name, field_name = coordinate.split(".")
    declared = RULES.declared(type_name, field_name)
    is_public = RULES.is_marked(type_name, field_name) and declared == Requirement()
    if is_public:
        assert coordinate in PUBLIC_FIELDS, (
            f"{coordinate} is public (@auth(requires: ANONYMOUS)): add it to PUBLIC_FIELDS "
            "if that is intended, else give it a role"
        )
    else:
        assert coordinate not in PUBLIC_FIELDS, f"{coordinate} is in PUBLIC_FIELDS but not public"


def test_matrix_reaches_the_public_roots() -> None:
    # A broken generator must not pass by generating nothing.
    assert {"Query.builtinMates", "Mate.systemPrompt", "Query.checkInviteTokenValid"} <= set(ROUTES)
    assert set(OWNED_RESOURCES) <= set(ROUTES)


@pytest.mark.parametrize("coordinate", sorted(ROUTES))
async def test_field_answers_each_caller_as_its_auth_says(matrix: Matrix, coordinate: str) -> None:
    steps = ROUTES[coordinate]
    problems = []
    for caller in callers_for(requirement_of(steps[-1])):
        problem = await check_cell(matrix, steps, caller)
        if problem is not None:
            problems.append(problem)
    assert not problems, "\n".join(problems)


def test_refused_callers_are_expected_somewhere() -> None:
    # Today's public fields are all allowed; the matrix must still be able to expect refusals.
    steps = [Step("Query", "builtinMates"), Step("Mate", "systemPrompt")]
    anonymous = Caller("anonymous", "")
    assert expected_outcome(steps, anonymous) == "allowed"
    assert expected_outcome([Step("Chat", "id")], anonymous) == "UNAUTHENTICATED"
    key = Caller("API key without scopes", "key:k:")
    assert expected_outcome([Step("Chat", "id")], key) == "FORBIDDEN"
