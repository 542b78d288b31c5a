"""Client variables coerced against the API schema before planning and execution."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    is_abstract_type,
    is_input_type,
    type_from_ast,
    value_from_ast,
)
from graphql.execution.values import get_variable_values
from graphql.pyutils import Undefined

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


_MAX_INT = 2**31 - 1
_MISSING: Any = object()


def _is_int(value: Any) -> bool:
    return type(value) is int and -_MAX_INT - 1 <= value <= _MAX_INT


# Built-in scalars checked without graphql-core; anything else takes the full path.
_SIMPLE_SCALARS: dict[str, Any] = {
    "Int": lambda v: v if _is_int(v) else _MISSING,
    "Float": lambda v: float(v) if type(v) in (int, float) else _MISSING,
    "String": lambda v: v if type(v) is str else _MISSING,
    "Boolean": lambda v: v if type(v) is bool else _MISSING,
    "ID": lambda v: v if type(v) is str else str(v) if type(v) is int else _MISSING,
}


class VariableCoercer:
    """``coerce_variables`` for one operation, with a fast path for simple variables.

    Variables of built-in scalar and enum types are checked directly; defaults are
    computed once. Any other type, or any value that fails the quick check, goes
    through graphql-core, which also words the errors.
    """

    def __init__(self, schema: GraphQLSchema, operation: OperationDefinitionNode) -> None:
        self.schema = schema
        self.operation = operation
        self._fast: list[tuple[str, Any, bool, Any]] | None = []
        for definition in operation.variable_definitions or ():
            type_ = type_from_ast(schema, definition.type)
            non_null = isinstance(type_, GraphQLNonNull)
            named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
            check = _checker(named)
            if check is None or not is_input_type(type_):
                self._fast = None
                break
            default: Any = _MISSING
            if definition.default_value is not None:
                default = value_from_ast(definition.default_value, type_)  # type: ignore[arg-type]
                if default is Undefined:
                    self._fast = None
                    break
            self._fast.append((definition.variable.name.value, check, non_null, default))

    def coerce(self, raw: Any) -> dict[str, Any]:
        """Validated variables with defaults applied; raises ``VariablesError``."""
        fast = self._fast
        if fast is not None and (raw is None or type(raw) is dict):
            coerced: dict[str, Any] = {}
            for name, check, non_null, default in fast:
                value = raw.get(name, _MISSING) if raw else _MISSING
                if value is _MISSING:
                    if default is not _MISSING:
                        coerced[name] = default
                        continue
                    if not non_null:
                        continue
                    break
                if value is None:
                    if non_null:
                        break
                    coerced[name] = None
                    continue
                value = check(value)
                if value is _MISSING:
                    break
                coerced[name] = value
            else:
                return coerced
        return coerce_variables(self.schema, self.operation, raw)


def _checker(named: Any) -> Any:
    if isinstance(named, GraphQLScalarType):
        return _SIMPLE_SCALARS.get(named.name)
    if isinstance(named, GraphQLEnumType):
        names = frozenset(named.values)
        return lambda v: v if type(v) is str and v in names else _MISSING
    return None


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
