"""Representations: type conditions (also interfaces), nested requires, rewrites, dedupe."""

from __future__ import annotations

from router.executor.data import collect_object_paths, collect_objects, deep_merge
from router.executor.representations import build_representation, collect_representations
from router.planner.nodes import FieldSelection, InlineFragmentSelection, ValueSetter

POSSIBLE = {"Media": frozenset({"Book", "Movie"})}
REQUIRES = (
    InlineFragmentSelection("Media", (FieldSelection("__typename"), FieldSelection("id"))),
    InlineFragmentSelection(
        "Book",
        (FieldSelection("dimensions", (FieldSelection("size"), FieldSelection("weight"))),),
    ),
)


def test_interface_condition_matches_its_implementations() -> None:
    book = {
        "__typename": "Book",
        "id": "1",
        "title": "x",
        "dimensions": {"size": 2, "weight": 3, "color": "red"},
    }
    movie = {"__typename": "Movie", "id": "2"}
    song = {"__typename": "Song", "id": "3"}
    assert build_representation(book, REQUIRES, POSSIBLE) == {
        "__typename": "Book",
        "id": "1",
        "dimensions": {"size": 2, "weight": 3},
    }
    assert build_representation(movie, REQUIRES, POSSIBLE) == {"__typename": "Movie", "id": "2"}
    assert build_representation(song, REQUIRES, POSSIBLE) is None


def test_object_missing_a_required_field_gets_no_representation() -> None:
    assert build_representation({"__typename": "Book", "id": "1"}, REQUIRES, POSSIBLE) is None
    assert build_representation({"__typename": "Movie", "id": None}, REQUIRES, POSSIBLE) is None


def test_aliased_required_field_is_read_from_its_alias() -> None:
    requires = (
        InlineFragmentSelection(
            "Movie", (FieldSelection("__typename"), FieldSelection("id", alias="_k0"))
        ),
    )
    movie = {"__typename": "Movie", "id": "client-id", "_k0": "key"}
    assert build_representation(movie, requires, POSSIBLE) == {"__typename": "Movie", "id": "key"}


def test_input_rewrites_apply_before_dedupe() -> None:
    rewrite = ValueSetter(("... on Media", "__typename"), "Media")
    objects = [
        {"__typename": "Book", "id": "1", "dimensions": {"size": 1, "weight": 1}},
        {"__typename": "Movie", "id": "1"},
    ]
    requires = REQUIRES[:1]
    representations, sources = collect_representations(objects, requires, (rewrite,), POSSIBLE)
    # Both become {"__typename": "Media", "id": "1"}: one representation, two sources.
    assert representations == [{"__typename": "Media", "id": "1"}]
    assert sources == [objects]


def test_collect_objects_steps_through_lists_and_skips_nulls() -> None:
    data = {"a": [{"b": [{"id": 1}, None]}, None, {"b": None}, {"b": [{"id": 2}]}]}
    found = collect_objects(data, ("a", "@", "b", "@"), {})
    assert found == [{"id": 1}, {"id": 2}]
    paths = collect_object_paths(data, ("a", "@", "b", "@"), {})
    assert list(paths.values()) == [[["a", 0, "b", 0]], [["a", 3, "b", 0]]]


def test_deep_merge_keeps_existing_data_over_nulls() -> None:
    target = {"id": 1, "reviews": [{"id": "r1"}], "owner": {"id": "u"}}
    deep_merge(target, {"reviews": [{"body": "b"}], "owner": None, "name": None})
    assert target == {
        "id": 1,
        "reviews": [{"id": "r1", "body": "b"}],
        "owner": {"id": "u"},
        "name": None,
    }
