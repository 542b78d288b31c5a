"""JSON Schema (draft 2020-12) of GraphQL input types, for tool calling and forms.

The walk runs over the GraphQL input type the Strawberry class became, so property names are
the ones a client sends (camelCase), defaults are GraphQL literals and descriptions are the
schema's. Nested input objects go to `$defs` (inputs may be recursive); a field is required
when it is non-null without a default. Nullable list items allow `null`.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    ast_from_value,
    specified_scalar_types,
    value_from_ast_untyped,
)

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Built-in scalars and the custom ones Strawberry ships, by GraphQL name.
SCALAR_SCHEMAS: dict[str, dict[str, Any]] = {
    "String": {"type": "string"},
    "ID": {"type": "string"},
    "Int": {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1},
    "Float": {"type": "number"},
    "Boolean": {"type": "boolean"},
    "DateTime": {"type": "string", "format": "date-time"},
    "Date": {"type": "string", "format": "date"},
    "Time": {"type": "string", "format": "time"},
    "UUID": {"type": "string", "format": "uuid"},
    "Decimal": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
    "JSON": {},
    "Base16": {"type": "string", "contentEncoding": "base16"},
    "Base32": {"type": "string", "contentEncoding": "base32"},
    "Base64": {"type": "string", "contentEncoding": "base64"},
}


_BUILTIN_SCALARS = frozenset(specified_scalar_types)


def _with_description(schema: dict[str, Any], description: str | None) -> dict[str, Any]:
    if description:
        return {**schema, "description": description}
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


class _InputWalker:
    """Turns input types into JSON Schema, collecting nested input objects in `$defs`."""

    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def value_type(self, type_: GraphQLInputType) -> dict[str, Any]:
        """The schema of a value of `type_`, ignoring its outer nullability."""
        if isinstance(type_, GraphQLNonNull):
            return self.value_type(type_.of_type)
        if isinstance(type_, GraphQLList):
            item = type_.of_type
            items = self.value_type(item)
            return {"type": "array", "items": items if _is_non_null(item) else _nullable(items)}
        if isinstance(type_, GraphQLEnumType):
            return _with_description(
                {"type": "string", "enum": list(type_.values)}, type_.description
            )
        if isinstance(type_, GraphQLScalarType):
            known = SCALAR_SCHEMAS.get(type_.name)
            if known is None:  # an app's own scalar: say what it is, constrain nothing
                known = {"x-graphql-scalar": type_.name}
            # The built-in scalars' descriptions explain GraphQL, not the field: leave them out.
            builtin = type_.name in _BUILTIN_SCALARS
            return _with_description(dict(known), None if builtin else type_.description)
        if isinstance(type_, GraphQLInputObjectType):
            if type_.name not in self.defs:
                self.defs[type_.name] = {}  # placeholder first: the type may refer to itself
                self.defs[type_.name] = self.object_schema(type_)
            return {"$ref": f"#/$defs/{type_.name}"}
        raise TypeError(f"{type_} is not an input type")

    def object_schema(self, type_: GraphQLInputObjectType) -> dict[str, Any]:
        """The schema of an input object: its properties, required ones, no others."""
        properties = {name: self.field_schema(field) for name, field in type_.fields.items()}
        required = [name for name, field in type_.fields.items() if _is_required(field)]
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        schema["additionalProperties"] = False
        return _with_description(schema, type_.description)

    def field_schema(self, field: GraphQLInputField) -> dict[str, Any]:
        """The schema of one input field, with its description, default and deprecation."""
        schema = self.value_type(field.type)
        # A null default says no more than leaving the field out; other defaults are shown.
        default = _default_as_json(field) if field.default_value is not Undefined else None
        if "$ref" in schema and (field.description or default is not None):
            schema = {"allOf": [schema]}  # keywords beside $ref: keep them apart for old readers
        schema = _with_description(schema, field.description)
        if default is not None:
            schema["default"] = default
        if field.deprecation_reason:
            schema["deprecated"] = True
        return schema


def _is_non_null(type_: GraphQLInputType) -> bool:
    return isinstance(type_, GraphQLNonNull)


def _is_required(field: GraphQLInputField) -> bool:
    return _is_non_null(field.type) and field.default_value is Undefined


def _default_as_json(field: GraphQLInputField) -> Any:
    """A field's default as JSON (enum members become their names), via a GraphQL literal."""
    literal = ast_from_value(field.default_value, field.type)
    return None if literal is None else value_from_ast_untyped(literal)


def input_object_json_schema(type_: GraphQLInputObjectType) -> dict[str, Any]:
    """The JSON Schema of one input object type, nested inputs under `$defs`."""
    walker = _InputWalker()
    schema = {"$schema": JSON_SCHEMA_DIALECT, "title": type_.name, **walker.object_schema(type_)}
    if walker.defs:
        schema["$defs"] = dict(sorted(walker.defs.items()))
    return schema


def empty_input_json_schema() -> dict[str, Any]:
    """The schema of a skill that takes no input."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "type": "object",
        "properties": {},
        "additionalProperties": False,
    }
