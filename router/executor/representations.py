"""Entity representations for ``_entities``: built, rewritten and de-duplicated."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from router.executor.data import JSONObject, PossibleTypes, apply_value_setters, type_matches
from router.planner.nodes import FieldSelection, InlineFragmentSelection, Selection, ValueSetter


class _Missing(Exception):
    """A required field is absent (or a top-level one null): the object gets no representation."""


def build_representation(
    obj: JSONObject, requires: Sequence[Selection], possible_types: PossibleTypes
) -> JSONObject | None:
    """The representation of ``obj`` per ``requires``, or None when it cannot be built."""
    typename = obj.get("__typename")
    representation: JSONObject = {}
    try:
        for selection in requires:
            if type(selection) is InlineFragmentSelection:
                if type_matches(typename, selection.type_condition, possible_types):
                    _copy(obj, selection.selections, representation, possible_types, True)
            else:
                _copy(obj, (selection,), representation, possible_types, True)
    except _Missing:
        return None
    return representation or None


def _copy(
    source: JSONObject,
    selections: Sequence[Selection],
    target: JSONObject,
    possible_types: PossibleTypes,
    top_level: bool,
) -> None:
    for selection in selections:
        if type(selection) is InlineFragmentSelection:
            if type_matches(source.get("__typename"), selection.type_condition, possible_types):
                _copy(source, selection.selections, target, possible_types, top_level)
            continue
        assert isinstance(selection, FieldSelection)
        name = selection.name
        # The parent fetch may have returned the field under a planner alias.
        value = source.get(selection.alias or name, _Missing)
        if value is _Missing or (value is None and top_level):
            # Objects lacking a key field (e.g. nulled by an earlier error) are skipped.
            raise _Missing
        if selection.selections and value is not None:
            value = _copy_value(value, selection.selections, possible_types)
        target[name] = value


def _copy_value(value: Any, selections: Sequence[Selection], possible_types: PossibleTypes) -> Any:
    if type(value) is list:
        return [_copy_value(item, selections, possible_types) for item in value]
    if type(value) is dict:
        nested: JSONObject = {}
        _copy(value, selections, nested, possible_types, False)
        return nested
    return value


def collect_representations(
    objects: Sequence[JSONObject],
    requires: Sequence[Selection],
    input_rewrites: Sequence[ValueSetter],
    possible_types: PossibleTypes,
) -> tuple[list[JSONObject], list[list[JSONObject]]]:
    """Unique representations and, for each, the objects that produced it."""
    representations: list[JSONObject] = []
    sources: list[list[JSONObject]] = []
    index_by_json: dict[bytes, int] = {}
    seen_objects: set[int] = set()
    for obj in objects:
        if id(obj) in seen_objects:
            continue  # the same object reached through two paths merges once
        seen_objects.add(id(obj))
        representation = build_representation(obj, requires, possible_types)
        if representation is None:
            continue
        if input_rewrites:
            apply_value_setters(representation, input_rewrites, possible_types)
        key = orjson.dumps(representation)
        index = index_by_json.get(key)
        if index is None:
            index_by_json[key] = len(representations)
            representations.append(representation)
            sources.append([obj])
        else:
            sources[index].append(obj)
    return representations, sources
