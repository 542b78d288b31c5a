"""Per-subgraph normalisation and checks: root names, field sets, Federation 1 upgrades."""

from __future__ import annotations

from router.composition.errors import CompositionIssue
from router.composition.external_rules import (
    fed1_active_field_set,
    missing_external_issues,
    unused_external_issues,
    used_fields,
)
from router.composition.fieldset import FieldRef, FieldSetError, field_set_refs
from router.composition.model import Field, Subgraph, TypeDef, named_type

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}
COMPOSITE_KINDS = {"object", "interface", "union"}
ROOT_NAMES = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


def _rename_roots(subgraph: Subgraph) -> None:
    """Apollo always names root types Query/Mutation/Subscription in the supergraph."""
    renames = {
        name: ROOT_NAMES[op]
        for op, name in subgraph.roots.items()
        if name != ROOT_NAMES[op] and name in subgraph.types
    }
    if not renames:
        return
    types: dict[str, TypeDef] = {}
    for typedef in subgraph.types.values():
        typedef.name = renames.get(typedef.name, typedef.name)
        for field in typedef.fields.values():
            inner = named_type(field.type)
            if inner in renames:
                field.type = field.type.replace(inner, renames[inner])
        types[typedef.name] = typedef
    subgraph.types = types
    subgraph.roots = dict(ROOT_NAMES)


def _drop_empty_roots(subgraph: Subgraph) -> None:
    # Every subgraph has a Query type (federation adds `_service` to it), even if empty.
    subgraph.types.setdefault("Query", TypeDef(name="Query", kind="object", has_definition=True))
    for name in ("Mutation", "Subscription"):
        typedef = subgraph.types.get(name)
        if typedef is not None and not typedef.fields:
            del subgraph.types[name]


def _refs(
    subgraph: Subgraph, parent: str, text: str, code: str, where: str
) -> tuple[list[FieldRef], list[CompositionIssue]]:
    try:
        return field_set_refs(subgraph.types, parent, text), []
    except FieldSetError as error:
        message = f"[{subgraph.name}] On {where}: {error}"
        return [], [CompositionIssue(code, message)]


def _check_keys(subgraph: Subgraph, typedef: TypeDef) -> list[CompositionIssue]:
    issues: list[CompositionIssue] = []
    for key in typedef.keys:
        where = f'type "{typedef.name}", for @key(fields: "{key.fields}")'
        refs, found = _refs(subgraph, typedef.name, key.fields, "KEY_INVALID_FIELDS", where)
        issues += found
        for ref in refs:
            subgraph.used_fields.add((ref.type_name, ref.field_name))
            field = subgraph.types[ref.type_name].fields[ref.field_name]
            target = subgraph.types.get(named_type(field.type))
            if target is not None and target.kind in {"interface", "union"}:
                issues.append(
                    CompositionIssue(
                        "KEY_FIELDS_SELECT_INVALID_TYPE",
                        f'[{subgraph.name}] On {where}: field "{ref.type_name}.{ref.field_name}"'
                        f" is a {target.kind} type which is not allowed in @key",
                    )
                )
            if field.args:
                issues.append(
                    CompositionIssue(
                        "KEY_FIELDS_HAS_ARGS",
                        f'[{subgraph.name}] On {where}: field "{ref.type_name}.{ref.field_name}"'
                        " has arguments, which is not allowed in @key",
                    )
                )
            field.shareable = True
            if subgraph.fed1 or key.extension or typedef.extends:
                # Fed 1 marks key fields of extensions @external; they are resolvable in Fed 2.
                field.fake_external = field.fake_external or field.external
                field.external = False
    return issues


def _check_requires(
    subgraph: Subgraph, typedef: TypeDef, field: Field
) -> tuple[list[FieldRef], list[CompositionIssue]]:
    """Validates a @requires (Fed 2) or applies the Fed 1 upgrade's trimming to it."""
    assert field.requires is not None
    where = f'field "{typedef.name}.{field.name}", for @requires(fields: "{field.requires}")'
    refs, issues = _refs(subgraph, typedef.name, field.requires, "REQUIRES_INVALID_FIELDS", where)
    if issues:
        return refs, issues
    if subgraph.fed1:
        field.requires = fed1_active_field_set(subgraph, typedef.name, field.requires)
        if field.requires is None:
            return [], []
        return field_set_refs(subgraph.types, typedef.name, field.requires), []
    return refs, missing_external_issues(subgraph, typedef.name, field.requires, where, "requires")


def _check_provides(
    subgraph: Subgraph, typedef: TypeDef, field: Field
) -> tuple[list[FieldRef], list[CompositionIssue]]:
    """Validates a @provides (Fed 2) or applies the Fed 1 upgrade's trimming to it."""
    assert field.provides is not None
    coordinate = f'"{typedef.name}.{field.name}"'
    target = named_type(field.type)
    if subgraph.types.get(target) is None or subgraph.types[target].kind not in COMPOSITE_KINDS:
        message = (
            f"[{subgraph.name}] Invalid @provides directive on field {coordinate}: field "
            f'has type "{field.type}" which is not a Composite Type'
        )
        return [], [CompositionIssue("PROVIDES_ON_NON_OBJECT_FIELD", message)]
    where = f'field {coordinate}, for @provides(fields: "{field.provides}")'
    refs, issues = _refs(subgraph, target, field.provides, "PROVIDES_INVALID_FIELDS", where)
    if issues:
        return refs, issues
    if subgraph.fed1:
        field.provides = fed1_active_field_set(subgraph, target, field.provides)
        refs = field_set_refs(subgraph.types, target, field.provides) if field.provides else []
    else:
        issues = missing_external_issues(subgraph, target, field.provides, where, "provides")
    subgraph.provided.update((ref.type_name, ref.field_name) for ref in refs)
    return refs, issues


def _check_field_sets(
    subgraph: Subgraph, typedef: TypeDef
) -> tuple[set[FieldRef], list[CompositionIssue]]:
    """Validates @requires/@provides and returns every field they use."""
    used: set[FieldRef] = set()
    issues: list[CompositionIssue] = []
    for field in typedef.fields.values():
        for check, text in ((_check_requires, field.requires), (_check_provides, field.provides)):
            if text is not None:
                refs, found = check(subgraph, typedef, field)
                used.update(refs)
                issues += found
    return used, issues


def finish_subgraph(subgraph: Subgraph) -> list[CompositionIssue]:
    """Normalises a parsed subgraph and checks its keys and field sets."""
    _rename_roots(subgraph)
    _drop_empty_roots(subgraph)
    issues: list[CompositionIssue] = []
    for typedef in list(subgraph.types.values()):
        issues += _check_keys(subgraph, typedef)
    used: set[FieldRef] = set()
    for typedef in list(subgraph.types.values()):
        refs, found = _check_field_sets(subgraph, typedef)
        used |= refs
        issues += found
    subgraph.used_fields.update((ref.type_name, ref.field_name) for ref in used)
    if not subgraph.fed1:
        return issues + unused_external_issues(subgraph)
    _drop_unused_externals(subgraph)
    for typedef in subgraph.types.values():
        typedef.has_definition = True  # the Fed 1 upgrade turns extensions into definitions
        for key in typedef.keys:
            key.extension = False
    return issues


def _drop_unused_externals(subgraph: Subgraph) -> None:
    """Fed 1 lets extensions declare unused @external fields; the upgrade removes them."""
    used = used_fields(subgraph)
    for typedef in subgraph.types.values():
        for name in [n for n, f in typedef.fields.items() if f.external]:
            if (typedef.name, name) not in used:
                del typedef.fields[name]


def unknown_type_issues(subgraph: Subgraph) -> list[CompositionIssue]:
    """Every referenced type must be defined in the subgraph (or be a built-in scalar)."""
    known = set(subgraph.types) | BUILT_IN_SCALARS
    referenced: list[str] = []
    for typedef in subgraph.types.values():
        referenced += typedef.interfaces + typedef.members
        for field in typedef.fields.values():
            referenced.append(named_type(field.type))
            referenced += [named_type(a.type) for a in field.args.values()]
    for directive in subgraph.directive_defs.values():
        referenced += [named_type(a.type) for a in directive.args.values()]
    missing = [name for name in dict.fromkeys(referenced) if name not in known]
    return [
        CompositionIssue("INVALID_GRAPHQL", f"[{subgraph.name}] Unknown type {name}")
        for name in missing
    ]
