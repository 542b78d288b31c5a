"""Helpers the merge shares: graph enum names, descriptions, type subtyping, directive merging."""

from __future__ import annotations

import re
from collections.abc import Sequence

from router.composition.access import ACCESS_CONTROL, DNF_ARGUMENT, merge_dnf
from router.composition.model import Applied, named_type


def graph_enum_names(names: Sequence[str]) -> dict[str, str]:
    """`join__Graph` value per subgraph name: upper-cased, invalid characters replaced, unique."""
    result: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name).upper()
        if base[:1].isdigit():
            base = "_" + base
        candidate, counter = base, 1
        while candidate in used:
            candidate = f"{base}_{counter}"
            counter += 1
        used.add(candidate)
        result[name] = candidate
    return result


def subgraph_list(names: Sequence[str]) -> str:
    """`subgraph "a"` or `subgraphs "a" and "b"` (Apollo's wording)."""
    quoted = [f'"{name}"' for name in names]
    if len(quoted) == 1:
        return f"subgraph {quoted[0]}"
    return "subgraphs " + ", ".join(quoted[:-1]) + " and " + quoted[-1]


def merge_description(descriptions: Sequence[str | None]) -> str | None:
    """The most common description (first wins ties); a lone non-empty one beats empty ones."""
    distinct: list[str] = []
    counts: list[int] = []
    for text in descriptions:
        if text is None:
            continue
        if text in distinct:
            counts[distinct.index(text)] += 1
        else:
            distinct.append(text)
            counts.append(-(10**9) if text == "" else 1)
    if not distinct:
        return None
    non_empty = [text for text in distinct if text]
    if len(distinct) > 1 and len(non_empty) == 1:
        return non_empty[0]
    return distinct[counts.index(max(counts))]


def is_strict_subtype(
    general: str, specific: str, possible: dict[str, set[str]] | None = None
) -> bool:
    """Whether `specific` is a strict subtype of `general` (non-null, lists, abstract types)."""
    if general == specific:
        return False
    if specific.endswith("!") and not general.endswith("!"):
        inner = specific[:-1]
        return inner == general or is_strict_subtype(general, inner, possible)
    if specific.endswith("!") and general.endswith("!"):
        return is_strict_subtype(general[:-1], specific[:-1], possible)
    if specific.startswith("[") and general.startswith("["):
        return is_strict_subtype(general[1:-1], specific[1:-1], possible)
    if "[" in general or "[" in specific:
        return False
    return possible is not None and specific in possible.get(named_type(general), set())


def _pick(name: str, distinct: list[Applied], counts: list[int]) -> str:
    if len(distinct) == 1:
        return distinct[0].printed()
    if name in DNF_ARGUMENT:
        return merge_dnf(name, distinct)
    return distinct[counts.index(max(counts))].printed()


def merge_applied(
    per_source: Sequence[Sequence[Applied]], names: Sequence[str], repeatable: set[str]
) -> list[str]:
    """Merged applications, name by name in `names` order (repeatable: deduplicated union)."""
    printed: list[str] = []
    for name in names:
        if name in repeatable:
            for applied in per_source:
                texts = [a.printed() for a in applied if a.name == name]
                printed.extend(t for t in texts if t not in printed)
            continue
        distinct: list[Applied] = []
        counts: list[int] = []
        for applied in per_source:
            first = next((a for a in applied if a.name == name), None)
            if first is None:
                continue
            texts = [d.printed() for d in distinct]
            if first.printed() in texts:
                counts[texts.index(first.printed())] += 1
            else:
                distinct.append(first)
                counts.append(1)
        if distinct:
            printed.append(_pick(name, distinct, counts))
    return printed


def gathered_names(
    per_source: Sequence[Sequence[Applied]], merged: set[str], access_first: bool
) -> list[str]:
    """Names of merged directives in first-seen order (access control first when asked)."""
    names: list[str] = []
    for applied in per_source:
        for application in applied:
            if application.name in merged and application.name not in names:
                names.append(application.name)
    names = [n for n in names if n != "inaccessible"]
    if access_first:
        first = [n for n in ACCESS_CONTROL if n in names]
        names = first + [n for n in names if n not in first]
    return names
