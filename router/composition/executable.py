"""Executable directive definitions (`on FIELD | QUERY ...`) defined by every subgraph."""

from __future__ import annotations

from router.composition.model import DirectiveDef, Subgraph
from router.composition.printer import print_directive_def

EXECUTABLE_LOCATIONS = {
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
}


def executable_directives(subgraphs: list[Subgraph]) -> dict[str, str]:
    """Printed definitions, kept like Apollo: in all subgraphs, common locations and arguments."""
    names = list(dict.fromkeys(n for s in subgraphs for n in s.directive_defs))
    printed: dict[str, str] = {}
    for name in names:
        defs = [s.directive_defs.get(name) for s in subgraphs]
        present = [d for d in defs if d is not None]
        if len(present) < len(defs):
            continue
        first = present[0]
        locations = [
            loc
            for loc in first.locations
            if loc in EXECUTABLE_LOCATIONS and all(loc in d.locations for d in present)
        ]
        if not locations:
            continue
        args = {a: arg for a, arg in first.args.items() if all(a in d.args for d in present)}
        repeatable = all(d.repeatable for d in present)
        merged = DirectiveDef(name, args, locations, repeatable, first.description)
        printed[name] = print_directive_def(merged)
    return printed
