"""Checks on the merged result: satisfiable @requires and consistent @inaccessible."""

from __future__ import annotations

from router.composition.auth import transitive_auth_issues
from router.composition.errors import CompositionIssue
from router.composition.fieldset import FieldSetError, field_set_refs
from router.composition.merge_support import subgraph_list
from router.composition.model import Subgraph, named_type
from router.composition.runtime_types import runtime_type_issues
from router.composition.satisfiability import satisfiability_issues
from router.composition.supermodel import SType


def _requires_issues(subgraphs: list[Subgraph]) -> list[CompositionIssue]:
    """Every @requires must be fetchable: another subgraph resolves it and keys connect them."""
    issues: list[CompositionIssue] = []
    for subgraph in subgraphs:
        for typedef in subgraph.types.values():
            for field in typedef.fields.values():
                if field.requires is None:
                    continue
                try:
                    refs = field_set_refs(subgraph.types, typedef.name, field.requires)
                except FieldSetError:
                    continue
                coordinate = f"{typedef.name}.{field.name}"
                for ref in refs:
                    if ref.type_name != typedef.name:
                        continue
                    resolvers = [
                        other
                        for other in subgraphs
                        if other is not subgraph
                        and ref.type_name in other.types
                        and ref.field_name in other.types[ref.type_name].fields
                        and not other.types[ref.type_name].fields[ref.field_name].external
                    ]
                    if not resolvers:
                        continue
                    needed = f'"{ref.type_name}.{ref.field_name}"'
                    if not typedef.keys:
                        issues.append(
                            CompositionIssue(
                                "SATISFIABILITY_ERROR",
                                f'[{subgraph.name}] @requires(fields: "{field.requires}") on '
                                f'field "{coordinate}" cannot be satisfied: type "{typedef.name}" '
                                f'has no @key in subgraph "{subgraph.name}", so the router cannot '
                                f"send it the required field {needed} resolved by "
                                f"{subgraph_list([r.name for r in resolvers])}",
                            )
                        )
                    elif not any(
                        k.resolvable for r in resolvers for k in r.types[ref.type_name].keys
                    ):
                        issues.append(
                            CompositionIssue(
                                "SATISFIABILITY_ERROR",
                                f'[{subgraph.name}] @requires(fields: "{field.requires}") on '
                                f'field "{coordinate}" cannot be satisfied: the required field '
                                f"{needed} is only resolved by "
                                f"{subgraph_list([r.name for r in resolvers])} where "
                                f'"{ref.type_name}" has no resolvable @key',
                            )
                        )
    return issues


def _hidden(element_directives: list[str], hidden: str) -> bool:
    return hidden in element_directives


def _inaccessible_issues(types: dict[str, SType], hidden: str) -> list[CompositionIssue]:
    issues: list[CompositionIssue] = []
    hidden_types = {name for name, t in types.items() if _hidden(t.directives, hidden)}
    for stype in types.values():
        if stype.name in hidden_types:
            continue
        visible = [f for f in stype.fields.values() if not _hidden(f.directives, hidden)]
        if stype.fields and not visible:
            issues.append(
                CompositionIssue(
                    "ONLY_INACCESSIBLE_CHILDREN",
                    f'Type "{stype.name}" is in the API schema but all of its fields are '
                    "@inaccessible.",
                )
            )
        for field in visible:
            target = named_type(field.type)
            if target in hidden_types:
                issues.append(
                    CompositionIssue(
                        "REFERENCED_INACCESSIBLE",
                        f'Type "{target}" is @inaccessible but is referenced by '
                        f'"{stype.name}.{field.name}", which is in the API schema.',
                    )
                )
            for arg in field.args.values():
                arg_type = named_type(arg.type)
                if (
                    _hidden(arg.directives, hidden)
                    and arg.type.endswith("!")
                    and arg.default is None
                ):
                    issues.append(
                        CompositionIssue(
                            "REQUIRED_INACCESSIBLE",
                            f'Argument "{stype.name}.{field.name}({arg.name}:)" is @inaccessible '
                            "but is a required argument of its field.",
                        )
                    )
                elif arg_type in hidden_types and not _hidden(arg.directives, hidden):
                    issues.append(
                        CompositionIssue(
                            "REFERENCED_INACCESSIBLE",
                            f'Type "{arg_type}" is @inaccessible but is referenced by '
                            f'"{stype.name}.{field.name}({arg.name}:)", which is in the API '
                            "schema.",
                        )
                    )
    return issues


def validate_supergraph(
    subgraphs: list[Subgraph], types: dict[str, SType], names: dict[str, str]
) -> list[CompositionIssue]:
    """Post-merge checks (`names`: supergraph names of the spec directives)."""
    hidden = "@" + names.get("inaccessible", "inaccessible")
    issues = _requires_issues(subgraphs) + _inaccessible_issues(types, hidden)
    issues += runtime_type_issues(subgraphs, types)
    issues += transitive_auth_issues(subgraphs, types, names)
    return issues or satisfiability_issues(subgraphs, types, hidden)
