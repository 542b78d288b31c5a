"""JSON Schema of skill inputs: required vs optional, lists, enums, nested inputs, defaults."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLInputObjectType, build_schema
from jsonschema import Draft202012Validator

from shared.apps.input_schema import input_object_json_schema
from tests.shared.apps.fixtures.library.app import bundle as library


def library_input(field_name: str) -> dict[str, Any]:
    (skill,) = [skill for skill in library.skills if skill.field_name == field_name]
    return skill.input_schema


def input_type(sdl: str, name: str) -> GraphQLInputObjectType:
    type_ = build_schema(sdl).get_type(name)
    assert isinstance(type_, GraphQLInputObjectType)
    return type_


def test_search_input_schema_has_required_fields_enums_defaults_and_descriptions() -> None:
    schema = library_input("librarySearch")
    assert schema["title"] == "SearchInput"
    assert schema["description"] == "What to search for."
    assert schema["required"] == ["query", "languages"]
    assert schema["additionalProperties"] is False
    properties = schema["properties"]
    assert properties["query"] == {"type": "string", "description": "Words to look for."}
    assert properties["languages"]["type"] == "array"
    assert properties["languages"]["items"]["enum"] == ["EN", "DE", "FR"]
    assert properties["limit"]["default"] == 10
    assert properties["sort"] == {
        "type": "string",
        "enum": ["RELEVANCE", "NEWEST"],
        "default": "RELEVANCE",
    }
    assert properties["scores"]["deprecated"] is True
    assert properties["scores"]["items"] == {"anyOf": [{"type": "number"}, {"type": "null"}]}


def test_nested_and_recursive_inputs_go_to_defs() -> None:
    schema = library_input("librarySearch")
    assert schema["properties"]["filters"] == {"$ref": "#/$defs/SearchFilters"}
    filters = schema["$defs"]["SearchFilters"]
    assert filters["properties"]["any"]["items"] == {"$ref": "#/$defs/SearchFilters"}
    assert filters["properties"]["publishedAfter"]["format"] == "date-time"
    assert "required" not in filters


def test_generated_schema_is_valid_and_accepts_what_graphql_accepts() -> None:
    schema = library_input("librarySearch")
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    nested = {"tags": ["x"], "any": [{"publishedAfter": "2026-01-01T00:00:00Z"}]}
    assert validator.is_valid({"query": "q", "languages": ["EN"], "filters": nested})
    assert validator.is_valid({"query": "q", "languages": [], "limit": 3, "sort": "NEWEST"})


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"languages": ["EN"]}, "'query' is a required property"),
        ({"query": "q", "languages": ["XX"]}, "'XX' is not one of"),
        ({"query": "q", "languages": ["EN"], "page": 2}, "Additional properties"),
        ({"query": "q", "languages": ["EN"], "filters": {"any": [{"tags": 3}]}}, "not of type"),
        ({"query": "q", "languages": ["EN"], "limit": 2**31}, "is greater than the maximum"),
    ],
)
def test_generated_schema_rejects_what_graphql_rejects(value: dict[str, Any], reason: str) -> None:
    errors = [
        error.message
        for error in Draft202012Validator(library_input("librarySearch")).iter_errors(value)
    ]
    assert any(reason in message for message in errors), errors


def test_skill_without_input_has_an_empty_object_schema() -> None:
    schema = library_input("libraryReindex")
    assert schema["properties"] == {}
    assert schema["additionalProperties"] is False


def test_subscription_skill_input_uses_graphql_names() -> None:
    schema = library_input("librarySummarize")
    assert list(schema["properties"]) == ["documentId", "style"]
    assert schema["required"] == ["documentId"]
    assert schema["properties"]["style"]["default"] == "BRIEF"


def test_custom_scalars_object_defaults_and_nested_lists() -> None:
    sdl = """
    "A colour as #RRGGBB." scalar Colour
    enum Size { S M }
    input Box { size: Size! = M, colour: Colour }
    input Shelf {
      boxes: [Box!]! = [{size: S}]
      grid: [[Int!]]
      label: String = "none"
    }
    type Query { x(s: Shelf): Int }
    """
    schema = input_object_json_schema(input_type(sdl, "Shelf"))
    properties = schema["properties"]
    assert "required" not in schema  # non-null with a default is optional
    assert properties["boxes"]["default"] == [{"size": "S"}]
    assert properties["grid"] == {
        "type": "array",
        "items": {
            "anyOf": [
                {
                    "type": "array",
                    "items": {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1},
                },
                {"type": "null"},
            ]
        },
    }
    assert properties["label"]["default"] == "none"
    box = schema["$defs"]["Box"]
    assert box["properties"]["colour"] == {
        "x-graphql-scalar": "Colour",
        "description": "A colour as #RRGGBB.",
    }
    assert box["properties"]["size"]["default"] == "M"
    Draft202012Validator.check_schema(schema)
