"""Client variables coerced against the API schema before planning and execution."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from graphql import GraphQLSchema, OperationDefinitionNode, is_abstract_type
from graphql.execution.values import get_variable_values

from router.executor.data import PossibleTypes
from router.executor.errors import BAD_USER_INPUT, GraphQLErrorDict


class VariablesError(Exception):
    """The client's variables do not fit the operation; ``errors`` go to the client."""

    def __init__(self, errors: list[GraphQLErrorDict]) -> None:
        super().__init__("; ".join(str(error["message"]) for error in errors))
        self.errors = errors


def coerce_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Any
) -> dict[str, Any]:
    """Validated variables with defaults applied; raises ``VariablesError``."""
    definitions = operation.variable_definitions
    if raw is not None and not isinstance(raw, Mapping):
        raise VariablesError([_bad_input('Variables must be provided as an object ("variables").')])
    if not definitions:
        return {}
    coerced = get_variable_values(schema, definitions, dict(raw or {}), max_errors=50)
    if isinstance(coerced, list):
        errors: list[GraphQLErrorDict] = []
        for error in coerced:
            formatted: dict[str, Any] = dict(error.formatted)
            formatted["extensions"] = {
                **(formatted.get("extensions") or {}),
                "code": BAD_USER_INPUT,
            }
            errors.append(formatted)
        raise VariablesError(errors)
    return coerced


def _bad_input(message: str) -> GraphQLErrorDict:
    return {"message": message, "extensions": {"code": BAD_USER_INPUT}}


@lru_cache(maxsize=8)
def possible_types_of(schema: GraphQLSchema) -> PossibleTypes:
    """For each interface and union, the names of its object types (for type conditions)."""
    result: dict[str, frozenset[str]] = {}
    for named in schema.type_map.values():
        if is_abstract_type(named):
            members = schema.get_possible_types(named)  # type: ignore[arg-type]
            result[named.name] = frozenset(member.name for member in members)
    return result
