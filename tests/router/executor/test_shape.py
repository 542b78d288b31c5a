"""Response shaping: fragments, type conditions, skip/include, planner fields, null bubbling."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema, build_schema, parse

from router.executor.shape import OperationShape

SDL = """
type Query {
  search: [SearchResult!]!
  nodes: [Node]
  node: Node
  matrix: [[Int!]]
  grid: [[Cell!]!]
  account: Account!
  status: Status
}
enum Status { ACTIVE DISABLED }
interface Node { id: ID! }
type Book implements Node { id: ID! title: String! author: Author }
type Author implements Node { id: ID! name: String }
type Cell { value: Int! }
type Account { id: ID! email: String! profile: Profile! }
type Profile { bio: String! }
union SearchResult = Book | Author
"""


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(SDL)


def shape(
    schema: GraphQLSchema,
    query: str,
    data: dict[str, Any],
    variables: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    errors = list(errors or [])
    result = OperationShape(schema, parse(query)).shape(data, errors, variables or {})
    return result, errors


def test_union_fragments_select_fields_per_concrete_type(schema: GraphQLSchema) -> None:
    query = """
    { search { __typename ...B ... on Author { name } ... on Node { id } } }
    fragment B on Book { title author { name } }
    """
    data = {
        "search": [
            {"__typename": "Author", "id": "a1", "name": "Ada", "extra": 1},
            {
                "__typename": "Book",
                "id": "b1",
                "title": "Notes",
                "author": {"__typename": "Author", "name": "Ada", "id": "a1"},
            },
        ]
    }
    result, errors = shape(schema, query, data)
    assert errors == []
    assert result == {
        "search": [
            {"__typename": "Author", "name": "Ada", "id": "a1"},
            {"__typename": "Book", "title": "Notes", "author": {"name": "Ada"}, "id": "b1"},
        ]
    }
    # Keys follow request order (CollectFields), not data order.
    assert list(result["search"][1]) == ["__typename", "title", "author", "id"]


def test_interface_fields_and_type_conditions(schema: GraphQLSchema) -> None:
    query = "{ node { id ... on Book { title } } nodes { kind: __typename id } }"
    data = {
        "node": {"__typename": "Book", "id": "b1", "title": "Notes"},
        "nodes": [{"__typename": "Author", "id": "a1"}, None],
    }
    result, errors = shape(schema, query, data)
    assert result == {
        "node": {"id": "b1", "title": "Notes"},
        "nodes": [{"kind": "Author", "id": "a1"}, None],
    }
    assert errors == []


def test_planner_added_fields_are_dropped(schema: GraphQLSchema) -> None:
    data = {
        "account": {
            "__typename": "Account",
            "id": "1",
            "email": "a@b.c",
            "_key": 7,
            "profile": {"bio": "hi", "__typename": "Profile"},
        }
    }
    result, _ = shape(schema, "{ account { email profile { bio } } }", data)
    assert result == {"account": {"email": "a@b.c", "profile": {"bio": "hi"}}}


def test_skip_and_include_follow_variables(schema: GraphQLSchema) -> None:
    query = """
    query($withEmail: Boolean!, $skipProfile: Boolean = false) {
      account {
        id
        email @include(if: $withEmail)
        ... on Account @skip(if: $skipProfile) { profile { bio } }
        literal: id @skip(if: true)
      }
    }
    """
    data = {"account": {"id": "1", "email": "a@b.c", "profile": {"bio": "hi"}}}
    compiled = OperationShape(schema, parse(query))
    assert compiled.shape(data, [], {"withEmail": True, "skipProfile": False}) == {
        "account": {"id": "1", "email": "a@b.c", "profile": {"bio": "hi"}}
    }
    assert compiled.shape(data, [], {"withEmail": False, "skipProfile": True}) == {
        "account": {"id": "1"}
    }


def test_null_in_non_null_field_bubbles_to_nullable_parent(schema: GraphQLSchema) -> None:
    query = "{ search { ... on Book { title } } nodes { id } }"
    data = {
        "search": [{"__typename": "Book", "title": None}],
        "nodes": [{"__typename": "Author", "id": "a1"}, {"__typename": "Book", "id": None}],
    }
    result, errors = shape(schema, query, data)
    # search: [SearchResult!]! is non-null all the way up: the whole data is null.
    assert result is None
    assert errors == [
        {
            "message": "Cannot return null for non-nullable field Book.title.",
            "path": ["search", 0, "title"],
        }
    ]


def test_null_item_in_non_null_list_nulls_the_nearest_nullable_list(schema: GraphQLSchema) -> None:
    query = "{ matrix grid { value } nodes { id } }"
    data = {
        "matrix": [[1, 2], [3, None], None],
        "grid": [[{"value": 1}], [{"value": None}]],
        "nodes": [{"__typename": "Book", "id": None}],
    }
    result, errors = shape(schema, query, data)
    # grid: [[Cell!]!]: the inner list is non-null too, so the null reaches grid itself.
    assert result == {"matrix": [[1, 2], None, None], "grid": None, "nodes": [None]}
    assert errors == [
        {
            "message": "Cannot return null for non-nullable field Query.matrix.",
            "path": ["matrix", 1, 1],
        },
        {
            "message": "Cannot return null for non-nullable field Cell.value.",
            "path": ["grid", 1, 0, "value"],
        },
        {
            "message": "Cannot return null for non-nullable field Book.id.",
            "path": ["nodes", 0, "id"],
        },
    ]


def test_existing_error_at_the_path_is_not_duplicated(schema: GraphQLSchema) -> None:
    reported = [{"message": "profile failed", "path": ["account", "profile"]}]
    result, errors = shape(
        schema,
        "{ account { id profile { bio } } status }",
        {"account": {"id": "1", "profile": None}, "status": "ACTIVE"},
        errors=reported,
    )
    assert result is None
    assert errors == reported


def test_missing_non_null_field_reports_an_error_and_keeps_siblings(schema: GraphQLSchema) -> None:
    result, errors = shape(
        schema,
        "{ status node { ... on Book { title author { name } } } }",
        {"status": "DISABLED", "node": {"__typename": "Book"}},
    )
    assert result == {"status": "DISABLED", "node": None}
    assert errors == [
        {
            "message": "Cannot return null for non-nullable field Book.title.",
            "path": ["node", "title"],
        }
    ]


def test_object_where_a_list_is_expected_is_an_invalid_response(schema: GraphQLSchema) -> None:
    result, errors = shape(
        schema, "{ nodes { id } status }", {"nodes": {"id": "1"}, "status": "ACTIVE"}
    )
    assert result == {"nodes": None, "status": "ACTIVE"}
    assert errors[0]["path"] == ["nodes"]
    assert errors[0]["extensions"] == {"code": "SUBGRAPH_INVALID_RESPONSE"}


def test_unknown_typename_keeps_fields_of_the_abstract_type(schema: GraphQLSchema) -> None:
    result, _ = shape(
        schema,
        "{ node { __typename id ... on Book { title } } }",
        {"node": {"__typename": "Hidden", "id": "x", "title": "t"}},
    )
    assert result == {"node": {"__typename": "Hidden", "id": "x"}}


@pytest.mark.parametrize(
    ("query", "data"),
    [
        (
            "{ search { __typename ...on Book { title author { name } } ...on Author { id } } }",
            {
                "search": [
                    {"__typename": "Book", "title": "T", "author": None},
                    {"__typename": "Author", "id": "a", "name": "n"},
                ]
            },
        ),
        ("{ matrix grid { value } }", {"matrix": [[1], None, []], "grid": [[{"value": 2}], []]}),
        (
            "{ node { t: __typename id } nodes { id } }",
            {"node": {"__typename": "Hidden", "id": "1"}, "nodes": None},
        ),
        (
            "{ account { profile { bio } email } status }",
            {"account": {"email": "e", "profile": {"bio": "b"}}},
        ),
    ],
)
def test_generated_fast_path_matches_the_walker(
    schema: GraphQLSchema, query: str, data: dict[str, Any]
) -> None:
    from router.executor.shape import shape_data

    operation = OperationShape(schema, parse(query))
    root, fast = operation.compiled({})
    expected_errors: list[dict[str, Any]] = []
    expected = shape_data(root, data, expected_errors, None)
    assert expected_errors == []
    assert fast(data, {}) == expected
    assert list(fast(data, {})) == list(expected or {})
