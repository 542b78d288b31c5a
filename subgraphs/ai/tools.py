"""Skills offered to the model as tools, and a tool call run through the router as the caller.

A tool call is an ordinary GraphQL operation sent to the router's /graphql with a delegated
access token: a token for the caller's own session (same user, role and session id) that
lives `delegated_token_seconds` (60 s). The router verifies it like any other, so @auth,
@credits and rate limits apply to the tool call exactly as if the user had made it. API-key
callers get no tools: an access token cannot carry a key's scopes, and minting one would
widen what the key may do.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)

from shared.apps.factory import bundle_of, discover_apps
from shared.apps.skills import SkillInfo
from shared.auth.keys import TokenKeys
from shared.auth.tokens import issue_access_token
from shared.identity import CallerKind, Identity
from subgraphs.ai.providers.base import ToolSpec

OWN_APP = "ai"
MAX_RESULT_CHARS = 8000


@dataclass(frozen=True)
class Tool:
    """A skill as a tool: what the model sees and the operation that runs it."""

    skill: SkillInfo
    document: str

    @property
    def spec(self) -> ToolSpec:
        """The tool as offered to the model."""
        return ToolSpec(self.skill.field_name, self.skill.description, self.skill.input_schema)


def _selection(kind: GraphQLOutputType, depth: int = 2) -> str:
    """Leaf fields of an object result (nested objects `depth` levels), '' for scalars."""
    named = get_named_type(kind)
    if not isinstance(named, GraphQLObjectType) or depth == 0:
        return ""
    parts = []
    for name, field in named.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif isinstance(inner, GraphQLObjectType) and depth > 1:
            nested = _selection(field.type, depth - 1)
            if nested:
                parts.append(f"{name} {nested}")
    return "{ " + " ".join(parts or ["__typename"]) + " }"


def tool_of(skill: SkillInfo, schema: GraphQLSchema) -> Tool | None:
    """The tool of a mutation skill (streaming skills are not offered)."""
    root = schema.mutation_type
    if skill.operation != "mutation" or root is None or skill.field_name not in root.fields:
        return None
    field = root.fields[skill.field_name]
    if skill.input_type:
        head = f"mutation Tool($input: {skill.input_type}!) {{ {skill.field_name}(input: $input)"
    else:
        head = f"mutation Tool {{ {skill.field_name}"
    return Tool(skill, f"{head} {_selection(field.type)} }}")


class ToolCatalog:
    """The tools of a set of apps (the ai app's own skills are never tools)."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self.tools = {tool.skill.field_name: tool for tool in tools}

    @classmethod
    def from_modules(cls, references: Iterable[str]) -> ToolCatalog:
        """Tools of the apps behind `module:` references ('pkg.app:app')."""
        tools = []
        for reference in references:
            module_name, _, attribute = reference.partition(":")
            bundle = bundle_of(getattr(importlib.import_module(module_name), attribute or "app"))
            if bundle is None or bundle.name == OWN_APP:
                continue
            for skill in bundle.skills:
                tool = tool_of(skill, bundle.schema._schema)
                if tool is not None:
                    tools.append(tool)
        return cls(tools)

    @classmethod
    def from_apps(cls, root: str) -> ToolCatalog:
        """Tools of every app folder under `root`."""
        return cls.from_modules(app.module for app in discover_apps(root))

    def offered(self, identity: Identity, allowed_apps: frozenset[str]) -> list[Tool]:
        """The tools a mate may use for this caller: its apps, the caller's role, no API keys."""
        if identity.kind is not CallerKind.USER or not identity.session_id:
            return []
        return [
            tool
            for tool in self.tools.values()
            if ("*" in allowed_apps or tool.skill.app in allowed_apps)
            and identity.role.allows(tool.skill.role)
        ]


def delegated_token(identity: Identity, keys: TokenKeys, seconds: int) -> str:
    """A short-lived access token for the caller's own session."""
    return issue_access_token(identity, keys=keys, ttl=timedelta(seconds=seconds))


async def run_tool(
    http: httpx.AsyncClient, url: str, token: str, tool: Tool, arguments: dict[str, Any]
) -> tuple[bool, str]:
    """Run the skill through the router: (succeeded, JSON text for the model)."""
    variables = {"input": arguments} if tool.skill.input_type else {}
    try:
        response = await http.post(
            url,
            json={"query": tool.document, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        return False, json.dumps({"error": f"the tool could not be reached: {error}"})
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        brief = [
            {"message": e.get("message"), "code": (e.get("extensions") or {}).get("code")}
            for e in errors
        ]
        return False, json.dumps({"errors": brief})[:MAX_RESULT_CHARS]
    data = (body.get("data") or {}).get(tool.skill.field_name)
    return True, json.dumps(data)[:MAX_RESULT_CHARS]
