"""Shapes the merged data into the client response.

Compile an ``OperationShape`` once per operation (cache it next to the plan);
per request ``shape_data`` walks the merged data with it: requested keys only,
in request order, ``__typename`` answered, planner-added fields dropped, and
nulls in non-null positions bubbled to the nearest nullable parent as the
GraphQL spec says (with an error at the null's path unless one is there).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import DocumentNode, GraphQLSchema, OperationDefinitionNode

from router.executor.errors import (
    SUBGRAPH_INVALID_RESPONSE,
    GraphQLErrorDict,
    non_null_error,
    path_is_covered,
    router_error,
)
from router.executor.shape_codegen import Fallback, FastShaper, generate_fast_shaper
from router.executor.shape_compile import (
    INTROSPECTION,
    LEAF,
    OBJECT,
    TYPENAME,
    Shape,
    compile_shape,
    condition_variables,
    select_operation,
)

__all__ = ["OperationShape", "shape_data"]

_NO_INTROSPECTION: Mapping[str, Any] = {}
_MAX_ASSIGNMENTS = 64


class OperationShape:
    """The compiled response shape of one operation, per ``@skip``/``@include`` assignment."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None = None
    ) -> None:
        self.schema = schema
        self.document = document
        self.operation: OperationDefinitionNode = select_operation(document, operation_name)
        self.condition_variables = condition_variables(document)
        self._compiled: dict[tuple[bool, ...], tuple[Shape, FastShaper]] = {}

    def root(self, variables: Mapping[str, Any]) -> Shape:
        """The root shape for these (coerced) variables; compiled on first use."""
        return self.compiled(variables)[0]

    def compiled(self, variables: Mapping[str, Any]) -> tuple[Shape, FastShaper]:
        """The root shape and its generated fast shaper for these variables."""
        names = self.condition_variables
        key = tuple(bool(variables.get(name)) for name in names) if names else ()
        compiled = self._compiled.get(key)
        if compiled is None:
            conditions = dict(zip(names, key, strict=True))
            shape = compile_shape(self.schema, self.document, self.operation, conditions)
            compiled = (shape, generate_fast_shaper(shape))
            if len(self._compiled) >= _MAX_ASSIGNMENTS:
                # Many condition variables could mean 2**n shapes: keep memory bounded.
                self._compiled.clear()
            self._compiled[key] = compiled
        return compiled

    def shape(
        self,
        data: dict[str, Any] | None,
        errors: list[GraphQLErrorDict],
        variables: Mapping[str, Any],
        introspection: Mapping[str, Any] | None = None,
        *,
        development: bool = False,
    ) -> dict[str, Any] | None:
        """The client ``data`` for merged ``data``; appends shaping errors to ``errors``."""
        shape, fast = self.compiled(variables)
        try:
            return fast(data or {}, introspection or _NO_INTROSPECTION)
        except Fallback:
            # A null to propagate or a malformed value: the walker reports it with paths.
            return shape_data(shape, data, errors, introspection, development=development)


class _Bubble(Exception):
    """A null reached a non-null position: the nearest nullable parent becomes null."""


class _Walk:
    __slots__ = ("development", "errors", "introspection")

    def __init__(
        self,
        errors: list[GraphQLErrorDict],
        introspection: Mapping[str, Any] | None,
        development: bool,
    ) -> None:
        self.errors = errors
        self.introspection = introspection or {}
        self.development = development

    def null(self, path: list[Any], key: str | int, coordinate: str) -> _Bubble:
        where = [*path, key]
        if not path_is_covered(where, self.errors):
            self.errors.append(non_null_error(coordinate, where))
        return _Bubble()

    def invalid(self, path: list[Any], value: Any, coordinate: str) -> _Bubble:
        detail = f"{coordinate}: unexpected {type(value).__name__} value"
        self.errors.append(
            router_error(
                SUBGRAPH_INVALID_RESPONSE, list(path), development=self.development, detail=detail
            )
        )
        return _Bubble()


def shape_data(
    root: Shape,
    data: dict[str, Any] | None,
    errors: list[GraphQLErrorDict],
    introspection: Mapping[str, Any] | None = None,
    *,
    development: bool = False,
) -> dict[str, Any] | None:
    """Walks ``data`` with ``root``; None when a null bubbled up to the root."""
    walk = _Walk(errors, introspection, development)
    try:
        return _object(data or {}, root, walk, [])
    except _Bubble:
        return None


def _object(obj: dict[str, Any], shape: Shape, walk: _Walk, path: list[Any]) -> dict[str, Any]:
    fields = shape[0]
    if fields is None:
        fields = shape[1].get(obj.get("__typename", ""), shape[2])
    out: dict[str, Any] = {}
    for key, kind, nullable, payload, coordinate in fields:
        if kind == LEAF:
            value = obj.get(key)
            if value is None and not nullable:
                raise walk.null(path, key, coordinate)
            out[key] = value
            continue
        if kind == TYPENAME:
            out[key] = payload if payload is not None else obj.get("__typename", obj.get(key))
            continue
        value = walk.introspection.get(key) if kind == INTROSPECTION else obj.get(key)
        if value is None:
            if not nullable:
                raise walk.null(path, key, coordinate)
            out[key] = None
            continue
        if kind == INTROSPECTION:
            out[key] = value  # already shaped by graphql-core
            continue
        depth = len(path)
        path.append(key)
        try:
            if kind == OBJECT:
                if type(value) is not dict:
                    raise walk.invalid(path, value, coordinate)
                out[key] = _object(value, payload, walk, path)
            else:
                if type(value) is not list:
                    raise walk.invalid(path, value, coordinate)
                out[key] = _list(value, payload, walk, path)
        except _Bubble:
            del path[depth:]
            if not nullable:
                raise
            out[key] = None
        else:
            path.pop()
    return out


def _list(
    value: list[Any], item: tuple[int, bool, Any, str], walk: _Walk, path: list[Any]
) -> list[Any]:
    item_kind, item_nullable, item_payload, coordinate = item
    if item_kind == LEAF:
        if not item_nullable and None in value:
            raise walk.null(path, value.index(None), coordinate)
        return value
    out: list[Any] = []
    depth = len(path)
    for index, entry in enumerate(value):
        if entry is None:
            if not item_nullable:
                raise walk.null(path, index, coordinate)
            out.append(None)
            continue
        path.append(index)
        try:
            if item_kind == OBJECT:
                if type(entry) is not dict:
                    raise walk.invalid(path, entry, coordinate)
                out.append(_object(entry, item_payload, walk, path))
            else:
                if type(entry) is not list:
                    raise walk.invalid(path, entry, coordinate)
                out.append(_list(entry, item_payload, walk, path))
        except _Bubble:
            del path[depth:]
            if not item_nullable:
                raise
            out.append(None)
        else:
            path.pop()
    return out
