"""Entity representations for ``_entities``: built, rewritten and de-duplicated."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from router.executor.data import JSONObject, PossibleTypes, apply_value_setters, type_matches
from router.planner.nodes import FieldSelection, InlineFragmentSelection, Selection, ValueSetter

_MISSING: Any = object()

# A compiled ``requires``: per inline fragment (or None for top-level fields) the
# typenames it matches, and its fields as (name, response key, nested selections).
_Fields = tuple[tuple[str, str, tuple[Selection, ...]], ...]
_Compiled = tuple[tuple[frozenset[str] | None, _Fields, tuple[Selection, ...]], ...]
_compiled_requires: dict[tuple[int, int], tuple[object, object, _Compiled]] = {}
_COMPILED_LIMIT = 4096


def _compile(requires: Sequence[Selection], possible_types: PossibleTypes) -> _Compiled:
    key = (id(requires), id(possible_types))
    cached = _compiled_requires.get(key)
    # The stored objects guard against a recycled id of a collected plan.
    if cached is not None and cached[0] is requires and cached[1] is possible_types:
        return cached[2]
    parts: list[tuple[frozenset[str] | None, _Fields, tuple[Selection, ...]]] = []
    for selection in requires:
        if type(selection) is InlineFragmentSelection:
            condition = selection.type_condition
            matching = frozenset({condition, *possible_types.get(condition, ())})
            parts.append((matching, _flat_fields(selection.selections), selection.selections))
        else:
            parts.append((None, _flat_fields((selection,)), (selection,)))
    compiled = tuple(parts)
    if len(_compiled_requires) >= _COMPILED_LIMIT:
        _compiled_requires.clear()
    _compiled_requires[key] = (requires, possible_types, compiled)
    return compiled


def _flat_fields(selections: Sequence[Selection]) -> _Fields:
    """Fields when ``selections`` holds no nested fragment, else () (the slow path)."""
    fields = []
    for selection in selections:
        if type(selection) is not FieldSelection:
            return ()
        fields.append((selection.name, selection.alias or selection.name, selection.selections))
    return tuple(fields)


def build_representation(
    obj: JSONObject, requires: Sequence[Selection], possible_types: PossibleTypes
) -> JSONObject | None:
    """The representation of ``obj`` per ``requires``, or None when it cannot be built.

    An object lacking a required field (absent, or null at the top level, e.g. nulled
    by an earlier error) gets no representation and is skipped.
    """
    return _build(obj, _compile(requires, possible_types), possible_types)


def _build(
    obj: JSONObject, compiled: _Compiled, possible_types: PossibleTypes
) -> JSONObject | None:
    typename = obj.get("__typename")
    representation: JSONObject = {}
    for matching, fields, selections in compiled:
        if matching is not None and typename not in matching:
            continue
        if not fields:
            if not _copy(obj, selections, representation, possible_types, True):
                return None
            continue
        for name, key, nested in fields:
            value = obj.get(key)
            if value is None:
                return None
            if nested:
                value = _copy_value(value, nested, possible_types)
                if value is _MISSING:
                    return None
            representation[name] = value
    return representation or None


def _copy(
    source: JSONObject,
    selections: Sequence[Selection],
    target: JSONObject,
    possible_types: PossibleTypes,
    top_level: bool,
) -> bool:
    for selection in selections:
        if type(selection) is InlineFragmentSelection:
            matches = type_matches(
                source.get("__typename"), selection.type_condition, possible_types
            )
            if matches and not _copy(
                source, selection.selections, target, possible_types, top_level
            ):
                return False
            continue
        assert isinstance(selection, FieldSelection)
        # The parent fetch may have returned the field under a planner alias.
        value = source.get(selection.alias or selection.name, _MISSING)
        if value is _MISSING or (value is None and top_level):
            return False
        if selection.selections and value is not None:
            value = _copy_value(value, selection.selections, possible_types)
            if value is _MISSING:
                return False
        target[selection.name] = value
    return True


def _copy_value(value: Any, selections: Sequence[Selection], possible_types: PossibleTypes) -> Any:
    if type(value) is list:
        items = [_copy_value(item, selections, possible_types) for item in value]
        return _MISSING if _MISSING in items else items
    if type(value) is dict:
        nested: JSONObject = {}
        if not _copy(value, selections, nested, possible_types, False):
            return _MISSING
        return nested
    return value


def collect_representations(
    objects: Sequence[JSONObject],
    requires: Sequence[Selection],
    input_rewrites: Sequence[ValueSetter],
    possible_types: PossibleTypes,
) -> tuple[list[JSONObject], list[list[JSONObject]]]:
    """Unique representations and, for each, the objects that produced it.

    An object reached through two paths may be listed twice in its sources; merging
    is idempotent, and error paths are taken per distinct object.
    """
    compiled = _compile(requires, possible_types)
    flat = None if input_rewrites else _flat_scalar_fields(compiled)
    if flat is not None:
        try:
            return _collect_flat(objects, *flat)
        except TypeError:
            pass  # an unhashable key value (a JSON scalar holding an object): general path
    representations: list[JSONObject] = []
    sources: list[list[JSONObject]] = []
    index_by_json: dict[bytes, int] = {}
    dumps = orjson.dumps
    for obj in objects:
        representation = _build(obj, compiled, possible_types)
        if representation is None:
            continue
        if input_rewrites:
            apply_value_setters(representation, input_rewrites, possible_types)
        signature = dumps(representation)
        index = index_by_json.get(signature)
        if index is None:
            index_by_json[signature] = len(representations)
            representations.append(representation)
            sources.append([obj])
        else:
            sources[index].append(obj)
    return representations, sources


def _collect_flat(
    objects: Sequence[JSONObject],
    matching: frozenset[str],
    names: tuple[str, ...],
    keys: tuple[str, ...],
) -> tuple[list[JSONObject], list[list[JSONObject]]]:
    """The common case (one type condition, scalar fields): keyed by a tuple of values."""
    representations: list[JSONObject] = []
    sources: list[list[JSONObject]] = []
    index_by_values: dict[tuple[Any, ...], int] = {}
    for obj in objects:
        get = obj.get
        if get("__typename") not in matching:
            continue
        values = tuple(map(get, keys))
        if None in values:
            continue  # a lacking key field: no representation
        index = index_by_values.get(values)
        if index is None:
            index_by_values[values] = len(representations)
            representations.append(dict(zip(names, values, strict=True)))
            sources.append([obj])
        else:
            sources[index].append(obj)
    return representations, sources


def _flat_scalar_fields(
    compiled: _Compiled,
) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]] | None:
    if len(compiled) != 1:
        return None
    matching, fields, _ = compiled[0]
    if matching is None or not fields or any(nested for _, _, nested in fields):
        return None
    return matching, tuple(name for name, _, _ in fields), tuple(key for _, key, _ in fields)
