"""Walking and merging the response data tree (plain JSON dicts and lists)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from router.planner.nodes import ValueSetter

PossibleTypes = Mapping[str, frozenset[str]]
JSONObject = dict[str, Any]
_NO_TYPES: frozenset[str] = frozenset()


def type_matches(typename: Any, condition: str, possible_types: PossibleTypes) -> bool:
    """Whether an object of ``typename`` satisfies the type condition ``condition``."""
    return typename == condition or typename in possible_types.get(condition, _NO_TYPES)


def _fragment_condition(step: str) -> str | None:
    return step[7:].strip() if step.startswith("... on ") else None


def collect_objects(
    root: Any, path: Sequence[str], possible_types: PossibleTypes
) -> list[JSONObject]:
    """The objects at ``path`` ("@" steps into list items); nulls are skipped."""
    current: list[Any] = [root]
    for step in path:
        found: list[Any] = []
        condition = _fragment_condition(step)
        if step == "@":
            for value in current:
                if type(value) is list:
                    found.extend([item for item in value if item is not None])
        elif condition is None:
            # The hot loop: a response key over objects.
            for value in current:
                if type(value) is dict:
                    child = value.get(step)
                    if child is not None:
                        found.append(child)
                else:
                    _step_into(value, step, condition, possible_types, found)
        else:
            for value in current:
                _step_into(value, step, condition, possible_types, found)
        current = found
    result: list[JSONObject] = []
    for value in current:
        if type(value) is dict:
            result.append(value)
        else:
            _flatten_objects(value, result)
    return result


def _step_into(
    value: Any, step: str, condition: str | None, types: PossibleTypes, found: list[Any]
) -> None:
    if type(value) is list:
        if step == "@":
            found.extend(item for item in value if item is not None)
        else:
            # A list where the path names a key is stepped through, so "@" may be omitted.
            for item in value:
                if item is not None:
                    _step_into(item, step, condition, types, found)
    elif type(value) is dict:
        if condition is not None:
            if type_matches(value.get("__typename"), condition, types):
                found.append(value)
        elif step != "@":
            child = value.get(step)
            if child is not None:
                found.append(child)


def _flatten_objects(value: Any, out: list[JSONObject]) -> None:
    if type(value) is dict:
        out.append(value)
    elif type(value) is list:
        for item in value:
            _flatten_objects(item, out)


def collect_object_paths(
    root: Any, path: Sequence[str], possible_types: PossibleTypes
) -> dict[int, list[list[str | int]]]:
    """The response paths (with list indices) of the objects at ``path``, by ``id(object)``."""
    current: list[tuple[Any, list[str | int]]] = [(root, [])]
    for step in path:
        condition = _fragment_condition(step)
        found: list[tuple[Any, list[str | int]]] = []
        for value, where in current:
            _step_into_with_path(value, where, step, condition, possible_types, found)
        current = found
    paths: dict[int, list[list[str | int]]] = {}
    for value, where in current:
        _index_objects(value, where, paths)
    return paths


def _step_into_with_path(
    value: Any,
    where: list[str | int],
    step: str,
    condition: str | None,
    types: PossibleTypes,
    found: list[tuple[Any, list[str | int]]],
) -> None:
    if type(value) is list:
        for index, item in enumerate(value):
            if item is None:
                continue
            if step == "@":
                found.append((item, [*where, index]))
            else:
                _step_into_with_path(item, [*where, index], step, condition, types, found)
    elif type(value) is dict:
        if condition is not None:
            if type_matches(value.get("__typename"), condition, types):
                found.append((value, where))
        elif step != "@":
            child = value.get(step)
            if child is not None:
                found.append((child, [*where, step]))


def _index_objects(
    value: Any, where: list[str | int], paths: dict[int, list[list[str | int]]]
) -> None:
    if type(value) is dict:
        paths.setdefault(id(value), []).append(where)
    elif type(value) is list:
        for index, item in enumerate(value):
            _index_objects(item, [*where, index], paths)


def deep_merge(target: JSONObject, source: JSONObject) -> None:
    """Merges ``source`` into ``target`` in place: objects key by key, lists item by item."""
    if target.keys().isdisjoint(source):
        target.update(source)  # the usual entity result: only new fields
        return
    for key, value in source.items():
        existing = target.get(key)
        if existing is None:
            if value is not None or key not in target:
                target[key] = value
        elif type(value) is dict and type(existing) is dict:
            deep_merge(existing, value)
        elif type(value) is list and type(existing) is list and len(value) == len(existing):
            _merge_lists(existing, value)
        elif value is not None:
            # A null from a second subgraph never erases data the first one sent.
            target[key] = value


def _merge_lists(target: list[Any], source: list[Any]) -> None:
    for index, value in enumerate(source):
        existing = target[index]
        if type(value) is dict and type(existing) is dict:
            deep_merge(existing, value)
        elif type(value) is list and type(existing) is list and len(value) == len(existing):
            _merge_lists(existing, value)
        elif value is not None or existing is None:
            target[index] = value


def apply_value_setters(
    value: JSONObject, setters: Sequence[ValueSetter], possible_types: PossibleTypes
) -> None:
    """Applies ``input_rewrites``/``output_rewrites`` to one representation or entity."""
    for setter in setters:
        _set_value(value, setter.path, setter.set_value_to, possible_types)


def _set_value(value: Any, path: Sequence[str], new_value: str, types: PossibleTypes) -> None:
    if not path:
        return
    if type(value) is list:
        for item in value:
            _set_value(item, path, new_value, types)
        return
    if type(value) is not dict:
        return
    step, rest = path[0], path[1:]
    condition = _fragment_condition(step)
    if condition is not None:
        if type_matches(value.get("__typename"), condition, types):
            _set_value(value, rest, new_value, types)
    elif not rest:
        value[step] = new_value
    else:
        _set_value(value.get(step), rest, new_value, types)
