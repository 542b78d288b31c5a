"""The merge driver: types in Apollo's order (implements, unions, scalars, inputs, ...)."""

from __future__ import annotations

from collections.abc import Callable

from router.composition.access import access_sources
from router.composition.merge import Sources
from router.composition.merge_fields import FieldMerger
from router.composition.merge_support import merge_description, subgraph_list
from router.composition.model import Subgraph
from router.composition.supermodel import SEnumValue, SField, SType, directive, gql_string

ROOTS = ("Query", "Mutation", "Subscription")
NOT_COPIED = ("@join__", "@authenticated", "@requiresScopes", "@policy")


def _kind(kind: str, interface_object: bool) -> str:
    return "interface" if interface_object else kind


class Merger(FieldMerger):
    """Merges all subgraphs' types into `self.types`."""

    def __init__(self, subgraphs: list[Subgraph], spec_names: dict[str, str]) -> None:
        super().__init__(subgraphs, spec_names)
        self.all_sources: dict[str, Sources] = {}

    def run(self) -> dict[str, SType]:
        """Merges every type; problems go to `self.issues`."""
        self.add_shells()
        if self.issues:  # kinds disagree: merging fields would only add noise
            return self.types
        by_kind: dict[str, list[str]] = {}
        for name, stype in self.types.items():
            by_kind.setdefault(stype.kind, []).append(name)
        for kind in ("object", "interface"):
            for name in by_kind.get(kind, []):
                self.merge_implements(self.types[name], self.all_sources[name])
        self.access_extra = access_sources(self.subgraphs, self.types)
        for name in by_kind.get("union", []):
            self.merge_common(name, self.merge_union)
        for kind in ("scalar", "input", "interface", "object"):
            for name in by_kind.get(kind, []):
                self.merge_common(name, self.merge_by_kind)
        for name in by_kind.get("enum", []):
            self.merge_common(name, self.merge_enum)
        if "Query" not in self.types:
            self.error(
                "NO_QUERIES",
                "No queries found in any subgraph: a supergraph must have a query root type.",
            )
        self.add_interface_object_fields()
        return self.types

    def add_shells(self) -> None:
        order: list[str] = []
        for subgraph in self.subgraphs:
            order.extend(n for n in subgraph.types if n not in self.all_sources and n not in order)
            for name in subgraph.types:
                self.all_sources.setdefault(name, Sources())
        for name in order:
            sources = self.sources(name)
            self.all_sources[name] = sources
            kinds = {_kind(t.kind, t.interface_object) for _, t in sources.items}
            if len(kinds) > 1:
                detail = "; ".join(
                    f'{_kind(t.kind, t.interface_object)} in subgraph "{self.subgraphs[i].name}"'
                    for i, t in sources.items
                )
                self.error(
                    "TYPE_KIND_MISMATCH",
                    f'Type "{name}" has mismatched kind: it is defined as {detail}',
                )
            first = sources.items[0][1]
            self.types[name] = SType(name, _kind(first.kind, first.interface_object))
        for name, sources in self.all_sources.items():
            if all(t.interface_object for _, t in sources.items):
                self.error(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f'Type "{name}" is declared with @interfaceObject in all the subgraphs in '
                    "which it is defined (it is defined in "
                    f"{subgraph_list([self.subgraphs[i].name for i, _ in sources.items])} but "
                    "should be defined as an interface in at least one subgraph)",
                )

    def merge_implements(self, stype: SType, sources: Sources) -> None:
        for idx, typedef in sources.items:
            for iface in typedef.interfaces:
                stype.directives.append(
                    directive(
                        "join__implements", graph=self.graph(idx), interface=gql_string(iface)
                    )
                )
                if iface not in stype.interfaces:
                    stype.interfaces.append(iface)

    def check_extension_with_no_base(self, name: str, sources: Sources) -> None:
        if name in ROOTS or any(t.has_definition for _, t in sources.items):
            return
        for idx, _ in sources.items:
            self.error(
                "EXTENSION_WITH_NO_BASE",
                f'[{self.subgraphs[idx].name}] Type "{name}" is an extension type, but there is'
                f' no type definition for "{name}" in any subgraph.',
            )

    def merge_common(self, name: str, body: Callable[[SType, Sources], None]) -> None:
        stype, sources = self.types[name], self.all_sources[name]
        self.check_extension_with_no_base(name, sources)
        stype.description = merge_description([t.description for _, t in sources.items])
        stype.directives += self.join_type(sources)
        per_source = sources.directives()
        stype.directives += self.inaccessible(per_source)
        body(stype, sources)
        is_interface = stype.kind == "interface"
        stype.directives += self.merged_directives(per_source, is_interface, stype.name)

    def merge_by_kind(self, stype: SType, sources: Sources) -> None:
        if stype.kind == "input":
            self.merge_input(stype, sources)
        elif stype.kind in {"object", "interface"}:
            if stype.kind == "interface":
                self.check_interface_keys(stype, sources)
            self.merge_object_like(stype, sources, self.interface_object_holders(stype))
            if not stype.fields and stype.kind == "object":
                del self.types[stype.name]

    def check_interface_keys(self, stype: SType, sources: Sources) -> None:
        """A subgraph with a resolvable key on an interface must know all its implementations."""
        implementations = [
            t.name for t in self.types.values() if t.kind == "object" and stype.name in t.interfaces
        ]
        for idx, typedef in sources.items:
            if typedef.kind != "interface" or not any(k.resolvable for k in typedef.keys):
                continue
            types = self.subgraphs[idx].types
            missing = [
                name
                for name in implementations
                if name not in types or stype.name not in types[name].interfaces
            ]
            if missing:
                subgraph = self.subgraphs[idx].name
                self.error(
                    "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
                    f'[{subgraph}] Interface type "{stype.name}" has a resolvable key in subgraph'
                    f' "{subgraph}" but that subgraph is missing some of the supergraph'
                    f' implementation types of "{stype.name}". Subgraph "{subgraph}" should'
                    f" define {', '.join(repr(m).replace(chr(39), chr(34)) for m in missing)}"
                    f' (and have them implement "{stype.name}").',
                )

    def interface_object_holders(self, stype: SType) -> list[int]:
        """Subgraphs that see this type through an @interfaceObject of one of its interfaces."""
        holders = []
        for idx, subgraph in enumerate(self.subgraphs):
            for iface in stype.interfaces:
                typedef = subgraph.types.get(iface)
                if typedef is not None and typedef.interface_object:
                    holders.append(idx)
        return holders

    def merge_union(self, stype: SType, sources: Sources) -> None:
        for _, typedef in sources.items:
            stype.members.extend(m for m in typedef.members if m not in stype.members)
        for member in stype.members:
            for idx, typedef in sources.items:
                if member in typedef.members:
                    stype.directives.append(
                        directive(
                            "join__unionMember", graph=self.graph(idx), member=gql_string(member)
                        )
                    )

    def merge_enum(self, stype: SType, sources: Sources) -> None:
        usage = self.enum_usage.get(stype.name, {"output"})
        names: list[str] = []
        for _, typedef in sources.items:
            names.extend(v for v in typedef.values if v not in names)
        for name in names:
            present = [(i, t.values[name]) for i, t in sources.items if name in t.values]
            per_source = [v.directives for _, v in present]
            value = SEnumValue(name, merge_description([v.description for _, v in present]))
            value.directives = self.inaccessible(per_source)
            value.directives += [
                directive("join__enumValue", graph=self.graph(i)) for i, _ in present
            ]
            value.directives += self.merged_directives(per_source, False)
            missing = [self.subgraphs[i].name for i, t in sources.items if name not in t.values]
            if missing and self.hidden not in value.directives and "input" in usage:
                if "output" in usage:
                    examples = self.enum_examples[stype.name]
                    self.error(
                        "ENUM_VALUE_MISMATCH",
                        f'Enum type "{stype.name}" is used as both input type (for example, as '
                        f'type of "{examples["input"]}") and output type (for example, as type of '
                        f'"{examples["output"]}"), but value "{name}" is not defined in all the '
                        f'subgraphs defining "{stype.name}": "{name}" is defined in '
                        f"{subgraph_list([self.subgraphs[i].name for i, _ in present])} but not "
                        f"in {subgraph_list(missing)}",
                    )
                continue
            stype.values[name] = value
        if not stype.values:
            self.error(
                "EMPTY_MERGED_ENUM_TYPE",
                f'None of the values of enum type "{stype.name}" are defined consistently in all '
                "the subgraphs defining that type. As only values common to all subgraphs are "
                "merged, this would result in an empty type.",
            )

    def merge_input(self, stype: SType, sources: Sources) -> None:
        names: list[str] = []
        for _, typedef in sources.items:
            names.extend(f for f in typedef.fields if f not in names)
        for name in names:
            present = [(i, t.fields[name]) for i, t in sources.items if name in t.fields]
            coordinate = f"{stype.name}.{name}"
            per_source = [f.directives for _, f in present]
            dest = SField(name, description=merge_description([f.description for _, f in present]))
            dest.directives = self.inaccessible(per_source)
            dest.type, equal = self.merge_type_ref(
                [f.type for _, f in present], coordinate, True, [i for i, _ in present]
            )
            missing = [self.subgraphs[i].name for i, t in sources.items if name not in t.fields]
            if not equal or missing:
                dest.directives += [
                    directive(
                        "join__field",
                        graph=self.graph(i),
                        type=None if equal else gql_string(f.type),
                    )
                    for i, f in present
                ]
            dest.default = self.merge_default(
                coordinate, "Input field", [(i, f.default) for i, f in present]
            )
            dest.directives += self.merged_directives(per_source, False)
            if missing and self.hidden not in dest.directives:
                required = [
                    self.subgraphs[i].name
                    for i, f in present
                    if f.type.endswith("!") and f.default is None
                ]
                if required:
                    self.error(
                        "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                        f'Input object field "{coordinate}" is required in some subgraphs but '
                        "does not appear in all subgraphs: it is required in "
                        f"{subgraph_list(required)} but does not appear in "
                        f"{subgraph_list(missing)}",
                    )
                continue
            stype.fields[name] = dest
        if not stype.fields:
            self.error(
                "EMPTY_MERGED_INPUT_TYPE",
                f'None of the fields of input object type "{stype.name}" are consistently defined '
                "in all the subgraphs defining that type. As only fields common to all subgraphs "
                "are merged, this would result in an empty type.",
            )

    def add_interface_object_fields(self) -> None:
        """Implementations gain the fields an @interfaceObject adds to their interface."""
        for stype in list(self.types.values()):
            if stype.kind != "object":
                continue
            for iface in stype.interfaces:
                itype = self.types.get(iface)
                if itype is None:
                    continue
                for name, ifield in itype.fields.items():
                    if name in stype.fields or not self.provided_by_interface_object(iface, name):
                        continue
                    copied = SField(name, ifield.type, dict(ifield.args), ifield.description)
                    # Access control comes from the implementations, the rest from the interface.
                    copied.directives = self.merged_directives([], True, f"{stype.name}.{name}")
                    copied.directives += [
                        d for d in ifield.directives if not d.startswith(NOT_COPIED)
                    ] + ["@join__field"]
                    stype.fields[name] = copied

    def provided_by_interface_object(self, iface: str, name: str) -> bool:
        for subgraph in self.subgraphs:
            typedef = subgraph.types.get(iface)
            if (
                typedef is not None
                and typedef.interface_object
                and name in typedef.fields
                and not typedef.fields[name].external
            ):
                return True
        return False
