"""Merging object and interface fields: arguments, types, @external, @override, join__field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import ValueNode, print_ast

from router.composition.merge import MergeBase, Sources
from router.composition.merge_support import is_strict_subtype, merge_description, subgraph_list
from router.composition.model import Argument, Field, named_type
from router.composition.supermodel import SArg, SField, SType, directive, gql_string

_LABEL = re.compile(r"^[a-zA-Z][a-zA-Z0-9_\-:./]*$")
_PERCENT = re.compile(r"^percent\((\d{1,2}(\.\d{1,8})?|100)\)$")


@dataclass
class OverrideState:
    """What @override does to each subgraph's copy of one field."""

    used: set[int] = field(default_factory=set)
    unused: set[int] = field(default_factory=set)
    labels: dict[int, str] = field(default_factory=dict)
    unknown_target: set[int] = field(default_factory=set)


class FieldMerger(MergeBase):
    """Field-level merge rules."""

    def possible_types(self) -> dict[str, set[str]]:
        """Abstract type -> object types, over all subgraphs (for subtype checks)."""
        cached: dict[str, set[str]] | None = getattr(self, "_possible", None)
        if cached is not None:
            return cached
        possible: dict[str, set[str]] = {}
        for subgraph in self.subgraphs:
            for typedef in subgraph.types.values():
                for iface in typedef.interfaces:
                    possible.setdefault(iface, set()).add(typedef.name)
                for member in typedef.members:
                    possible.setdefault(typedef.name, set()).add(member)
        self._possible = possible
        return possible

    def merge_type_ref(
        self, types: list[str], coordinate: str, is_input: bool, sources: list[int]
    ) -> tuple[str, bool]:
        """Supergraph type of a field/argument and whether all subgraphs agree."""
        possible = self.possible_types()
        dest = types[0]
        incompatible = subtypes = False
        for current in types[1:]:
            if current == dest:
                continue
            if is_strict_subtype(dest, current, possible):
                subtypes = True
                dest = current if is_input else dest
            elif is_strict_subtype(current, dest, possible):
                subtypes = True
                dest = dest if is_input else current
            else:
                incompatible = True
        base = named_type(dest)
        if base in self.types and self.types[base].kind == "enum":
            self.record_enum_usage(base, "input" if is_input else "output", coordinate)
        if incompatible:
            kind = "argument" if "(" in coordinate else "field"
            code = "ARGUMENT_TYPE_MISMATCH" if kind == "argument" else "FIELD_TYPE_MISMATCH"
            detail = "; ".join(
                f'type "{t}" in subgraph "{self.subgraphs[i].name}"'
                for i, t in zip(sources, types, strict=True)
            )
            self.error(
                code,
                f'Type of {kind} "{coordinate}" is incompatible across subgraphs: it has {detail}',
            )
        return dest, not (incompatible or subtypes)

    def merge_arguments(self, owner: str, fields: list[tuple[int, Field]]) -> dict[str, SArg]:
        names: list[str] = []
        for _, f in fields:
            names.extend(n for n in f.args if n not in names)
        merged: dict[str, SArg] = {}
        for name in names:
            present = [(i, f.args[name]) for i, f in fields if name in f.args]
            coordinate = f"{owner}({name}:)"
            if len(present) < len(fields):
                required = [i for i, a in present if a.type.endswith("!") and a.default is None]
                if required:
                    missing = [self.subgraphs[i].name for i, f in fields if name not in f.args]
                    self.error(
                        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                        f'Argument "{coordinate}" is required in some subgraphs but does not '
                        "appear in"
                        " all subgraphs: it is required in "
                        f"{subgraph_list([self.subgraphs[i].name for i in required])}"
                        f" but does not appear in {subgraph_list(missing)}",
                    )
                continue
            merged[name] = self.merge_argument(coordinate, present)
        return merged

    def merge_argument(self, coordinate: str, present: list[tuple[int, Argument]]) -> SArg:
        per_source = [a.directives for _, a in present]
        arg_type, _ = self.merge_type_ref(
            [a.type for _, a in present], coordinate, True, [i for i, _ in present]
        )
        result = SArg(present[0][1].name, arg_type)
        result.description = merge_description([a.description for _, a in present])
        result.directives = self.inaccessible(per_source) + self.merged_directives(
            per_source, False
        )
        result.default = self.merge_default(
            coordinate, "Argument", [(i, a.default) for i, a in present]
        )
        return result

    def merge_default(
        self, coordinate: str, kind: str, defaults: list[tuple[int, ValueNode | None]]
    ) -> ValueNode | None:
        """The common default value; differing defaults are an error, a missing one drops it."""
        printed = [(i, print_ast(d) if d is not None else None) for i, d in defaults]
        values = {p for _, p in printed if p is not None}
        if len(values) > 1:
            detail = "; ".join(
                f"{'default value ' + p if p else 'no default value'} in subgraph "
                f'"{self.subgraphs[i].name}"'
                for i, p in printed
            )
            code = (
                "ARGUMENT_DEFAULT_MISMATCH"
                if kind == "Argument"
                else "INPUT_FIELD_DEFAULT_MISMATCH"
            )
            self.error(
                code,
                f'{kind} "{coordinate}" has incompatible default values across subgraphs: it has '
                f"{detail}",
            )
        if values and any(p is None for _, p in printed):
            return None
        return next((d for _, d in defaults if d is not None), None)

    def validate_override(self, owner: str, fields: list[tuple[int, Field]]) -> OverrideState:
        state = OverrideState()
        by_name = {self.subgraphs[i].name: (i, f) for i, f in fields}
        overriding = {self.subgraphs[i].name for i, f in fields if f.override is not None}
        for idx, f in fields:
            if f.override is None:
                continue
            me = self.subgraphs[idx].name
            if f.override == me:
                self.error(
                    "OVERRIDE_FROM_SELF_ERROR",
                    f'Source and destination subgraphs "{me}" are the same for overridden field '
                    f'"{owner}"',
                )
            elif f.override in overriding:
                self.error(
                    "OVERRIDE_SOURCE_HAS_OVERRIDE",
                    f'Field "{owner}" on subgraph "{me}" is also marked with directive @override '
                    f'in subgraph "{f.override}". Only one @override directive is allowed per '
                    "field.",
                )
            elif f.override not in {s.name for s in self.subgraphs}:
                state.unknown_target.add(idx)
            elif f.override in by_name:
                self.apply_override(owner, state, idx, f, by_name[f.override])
        return state

    def apply_override(
        self, owner: str, state: OverrideState, idx: int, f: Field, source: tuple[int, Field]
    ) -> None:
        from_idx, from_field = source
        if from_field.external:
            return
        type_name, field_name = owner.split(".")
        if (type_name, field_name) in self.subgraphs[
            from_idx
        ].used_fields or self.satisfies_interface(from_idx, type_name, field_name):
            state.used.add(from_idx)
        else:
            state.unused.add(from_idx)
        label = f.override_label
        if label is None:
            return
        if _LABEL.match(label) or _PERCENT.match(label):
            state.labels[idx] = state.labels[from_idx] = label
        else:
            self.error(
                "OVERRIDE_LABEL_INVALID",
                f'Invalid @override label "{label}" on field "{owner}" on subgraph '
                f'"{self.subgraphs[idx].name}": labels must start with a letter and after that '
                "may contain alphanumerics, underscores, minuses, colons, periods, or slashes. "
                'Alternatively, labels may be of the form "percent(x)" where x is a float '
                "between 0-100 inclusive.",
            )

    def satisfies_interface(self, idx: int, type_name: str, field_name: str) -> bool:
        types = self.subgraphs[idx].types
        return any(field_name in types[i].fields for i in types[type_name].interfaces if i in types)

    def merge_field(
        self,
        stype: SType,
        name: str,
        fields: list[tuple[int, Field]],
        having: list[int],
        state: OverrideState,
    ) -> None:
        coordinate = f"{stype.name}.{name}"
        if all(f.external for _, f in fields):
            self.error(
                "EXTERNAL_MISSING_ON_BASE",
                f'Field "{coordinate}" is marked @external on all the subgraphs in which it is '
                f"listed ({subgraph_list([self.subgraphs[i].name for i, _ in fields])}).",
            )
            return
        resolving = [(i, f) for i, f in fields if not f.external]
        dest = SField(name)
        dest.description = merge_description([f.description for _, f in resolving])
        per_source = [f.directives for _, f in resolving]
        dest.directives = self.inaccessible(per_source)
        dest.args = self.merge_arguments(coordinate, resolving)
        dest.type, equal = self.merge_type_ref(
            [f.type for _, f in resolving], coordinate, False, [i for i, _ in resolving]
        )
        self.validate_external(coordinate, dest, fields)
        dest.directives += self.join_fields(fields, having, state, equal)
        dest.directives += self.merged_directives(per_source, True, coordinate)
        stype.fields[name] = dest

    def validate_external(
        self, coordinate: str, dest: SField, fields: list[tuple[int, Field]]
    ) -> None:
        for idx, f in fields:
            if not f.external:
                continue
            if f.type != dest.type and not is_strict_subtype(f.type, dest.type):
                self.error(
                    "EXTERNAL_TYPE_MISMATCH",
                    f'Type of field "{coordinate}" is incompatible across subgraphs (where marked '
                    f'@external): it has type "{dest.type}" in the supergraph but type "{f.type}" '
                    f'in subgraph "{self.subgraphs[idx].name}"',
                )
            for arg in dest.args:
                if arg not in f.args:
                    self.error(
                        "EXTERNAL_ARGUMENT_MISSING",
                        f'Field "{coordinate}" is missing argument "{coordinate}({arg}:)" in '
                        f'subgraph "{self.subgraphs[idx].name}" where it is marked @external.',
                    )

    def join_fields(
        self, fields: list[tuple[int, Field]], having: list[int], state: OverrideState, equal: bool
    ) -> list[str]:
        by_idx = dict(fields)
        needed = not equal or bool(state.used) or bool(state.labels)
        for idx in having:
            f = by_idx.get(idx)
            plain = f is not None and not (f.external or f.provides or f.requires)
            if not plain or idx in state.unused:
                needed = True
        if not needed:
            return []
        applied = []
        for idx in having:
            f = by_idx.get(idx)
            if f is None or (idx in state.unused and idx not in state.labels):
                continue
            applied.append(
                directive(
                    "join__field",
                    graph=self.graph(idx),
                    requires=gql_string(f.requires) if f.requires is not None else None,
                    provides=gql_string(f.provides) if f.provides is not None else None,
                    override=gql_string(f.override) if f.override is not None else None,
                    type=gql_string(f.type) if not equal else None,
                    external=True if f.external else None,
                    usedOverridden=True if idx in state.used else None,
                    overrideLabel=gql_string(state.labels[idx]) if idx in state.labels else None,
                )
            )
        return applied

    def validate_sharing(
        self, coordinate: str, fields: list[tuple[int, Field]], state: OverrideState
    ) -> None:
        type_name, name = coordinate.split(".")
        resolving, non_shareable = [], []
        for idx, f in fields:
            if idx in state.used or idx in state.unused:
                continue
            subgraph = self.subgraphs[idx]
            if f.external and (type_name, name) not in subgraph.provided:
                continue
            resolving.append(subgraph.name)
            # An external field that a @provides uses counts as shareable where it is provided.
            if not (f.shareable or f.external or self.fed1_shareable(idx, type_name, name, fields)):
                non_shareable.append(subgraph.name)
        if non_shareable and (len(non_shareable) > 1 or len(resolving) > len(non_shareable)):
            which = (
                "all of them"
                if len(non_shareable) == len(resolving)
                else subgraph_list(non_shareable)
            )
            hint = ""
            unknown = [i for i in state.unknown_target if self.subgraphs[i].name in non_shareable]
            if unknown:
                culprit = self.subgraphs[unknown[0]].name
                hint = (
                    f' (please note that "{coordinate}" has an @override directive in "{culprit}"'
                    " that targets an unknown subgraph so this could be due to misspelling the"
                    " @override(from:) argument)"
                )
            self.error(
                "INVALID_FIELD_SHARING",
                f'Non-shareable field "{coordinate}" is resolved from multiple subgraphs: it is '
                f"resolved from {subgraph_list(resolving)} and defined as non-shareable in "
                f"{which}{hint}",
            )

    def fed1_shareable(
        self, idx: int, type_name: str, name: str, fields: list[tuple[int, Field]]
    ) -> bool:
        """Fed 1 had no @shareable: a field another subgraph also resolves is shareable there."""
        if not self.subgraphs[idx].fed1 or type_name == "Subscription":
            return False
        provided = (type_name, name)
        return any(
            i != idx and (not f.external or provided in self.subgraphs[i].provided)
            for i, f in fields
        )

    def merge_object_like(self, stype: SType, sources: Sources, extra: list[int]) -> None:
        """Merges the fields of an object or interface type."""
        having = [i for i, _ in sources.items]
        names: list[str] = []
        for _, typedef in sources.items:
            names.extend(n for n in typedef.fields if n not in names)
        for name in names:
            fields = [(i, t.fields[name]) for i, t in sources.items if name in t.fields]
            coordinate = f"{stype.name}.{name}"
            state = self.validate_override(coordinate, fields)
            self.merge_field(stype, name, fields, having, state)
            if stype.kind == "object":
                self.validate_sharing(coordinate, fields, state)
            if stype.name == "Subscription" and any(f.shareable_applied for _, f in fields):
                self.error(
                    "INVALID_FIELD_SHARING",
                    "Fields on root level subscription object cannot be marked as shareable"
                    f' ("{coordinate}")',
                )
