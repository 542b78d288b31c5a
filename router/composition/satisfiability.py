"""Can every field of the API schema be resolved wherever a query can reach its type?

A simplified version of Apollo's satisfiability check. Like Apollo, it walks the supergraph
from the roots keeping the set of subgraphs ("options") that could be serving the current
type: a root field may come from any subgraph defining it, and at each type the options grow
by every subgraph reachable through resolvable @keys. A field is satisfiable if one option
resolves it, and the subgraphs that do become the options for the field's type. So a value
type reached through a shareable field may miss fields in one subgraph as long as another
subgraph that could have served the parent field has them.
"""

from __future__ import annotations

from collections import deque

from router.composition.errors import CompositionIssue
from router.composition.fieldset import FieldSetError, parse_field_set
from router.composition.model import Subgraph, named_type
from router.composition.supermodel import SType

ROOTS = ("Query", "Mutation", "Subscription")
COMPOSITE = {"object", "interface", "union"}


def _resolves(subgraph: Subgraph, type_name: str, field: str, itf_objects: list[str]) -> bool:
    typedef = subgraph.types.get(type_name)
    if typedef is not None and field in typedef.fields:
        # An external field counts where some @provides of this subgraph provides it.
        external = typedef.fields[field].external
        if not external or (type_name, field) in subgraph.provided:
            return True
    for iface in itf_objects:
        holder = subgraph.types.get(iface)
        if holder is not None and holder.interface_object and field in holder.fields:
            return not holder.fields[field].external
    return False


def _key_fields(text: str) -> list[str]:
    try:
        selection_set = parse_field_set(text)
    except FieldSetError:
        return []
    return [s.name.value for s in selection_set.selections if hasattr(s, "name")]


def _entry_keys(subgraph: Subgraph, type_name: str, itf_objects: list[str]) -> list[str]:
    """Resolvable key field sets through which the router can enter `type_name` here."""
    holders = [subgraph.types.get(type_name)] + [subgraph.types.get(i) for i in itf_objects]
    return [
        key.fields
        for holder in holders
        if holder is not None and (holder.name == type_name or holder.interface_object)
        for key in holder.keys
        if key.resolvable
    ]


Options = frozenset[str]
State = tuple[str, Options, str]  # a type, the subgraphs that may serve it, the root field


class _Checker:
    def __init__(self, subgraphs: list[Subgraph], types: dict[str, SType], hidden: str) -> None:
        self.subgraphs = {s.name: s for s in subgraphs}
        self.types = types
        self.hidden = hidden
        self.issues: dict[tuple[str, str], CompositionIssue] = {}

    def itf_objects(self, type_name: str) -> list[str]:
        return self.types[type_name].interfaces if type_name in self.types else []

    def jumps(self, type_name: str, options: Options) -> list[Subgraph]:
        """The options plus every subgraph some chain of resolvable @key jumps reaches."""
        itfs = self.itf_objects(type_name)
        if type_name in ROOTS:
            # Apollo lets a query move between the subgraphs' root types freely.
            return [s for s in self.subgraphs.values() if type_name in s.types]
        reached = [self.subgraphs[name] for name in sorted(options)]
        queue = deque(reached)
        while queue:
            current = queue.popleft()
            for other in self.subgraphs.values():
                if other in reached:
                    continue
                for key in _entry_keys(other, type_name, itfs):
                    if all(_resolves(current, type_name, f, itfs) for f in _key_fields(key)):
                        reached.append(other)
                        queue.append(other)
                        break
        return reached

    def next_states(self, type_name: str, options: Options, via: str) -> list[State]:
        """Checks the fields of `type_name` and returns the composite types they lead to."""
        stype = self.types[type_name]
        if stype.kind != "object":
            return self.abstract_states(stype, options, via)
        reached = self.jumps(type_name, options)
        itfs = self.itf_objects(type_name)
        states: list[State] = []
        for name, field in stype.fields.items():
            if self.hidden in field.directives:
                continue
            resolving = frozenset(s.name for s in reached if _resolves(s, type_name, name, itfs))
            target = self.types.get(named_type(field.type))
            if not resolving:
                self.report(type_name, name, options, via)
            elif target is not None and target.kind in COMPOSITE:
                # Messages name the root field a query enters through.
                entry = f"{type_name}.{name}" if type_name in ROOTS else via
                states.append((target.name, resolving, entry))
        return states

    def abstract_states(self, stype: SType, options: Options, via: str) -> list[State]:
        """Possible runtime types, each with the options (after @key jumps) that know it."""
        reached = self.jumps(stype.name, options)
        states: list[State] = []
        for runtime in self.types.values():
            if runtime.kind != "object":
                continue
            knowing = frozenset(s.name for s in reached if _is_runtime(s, stype.name, runtime.name))
            if knowing:
                states.append((runtime.name, knowing, via))
        return states

    def report(self, type_name: str, field: str, options: Options, via: str) -> None:
        itfs = self.itf_objects(type_name)
        owners = [n for n, s in self.subgraphs.items() if _resolves(s, type_name, field, itfs)]
        owned = ", ".join(f'"{o}"' for o in owners) or "no subgraph"
        starts = ", ".join(f'"{o}"' for o in sorted(options))
        label, verb = ("subgraph", "reaches") if len(options) == 1 else ("subgraphs", "reach")
        self.issues.setdefault(
            (type_name, field),
            CompositionIssue(
                "SATISFIABILITY_ERROR",
                f'Field "{type_name}.{field}" cannot be satisfied from {label} {starts}'
                f' (which {verb} "{type_name}" through "{via}"): it is resolved by {owned}, and'
                f' no chain of resolvable @key on "{type_name}" leads there from {starts}',
            ),
        )

    def check(self) -> list[CompositionIssue]:
        """Walks every (type, options) state reachable from the roots."""
        queue: deque[State] = deque()
        for root in ROOTS:
            defining = frozenset(n for n, s in self.subgraphs.items() if root in s.types)
            if root in self.types and defining:
                queue.append((root, defining, root))
        seen: set[tuple[str, Options]] = set()
        while queue:
            type_name, options, via = queue.popleft()
            if (type_name, options) in seen or type_name not in self.types:
                continue
            seen.add((type_name, options))
            queue.extend(self.next_states(type_name, options, via))
        return list(self.issues.values())


def _is_runtime(subgraph: Subgraph, abstract: str, runtime: str) -> bool:
    """Whether `subgraph` can downcast `abstract` to `runtime`."""
    typedef = subgraph.types.get(runtime)
    holder = subgraph.types.get(abstract)
    if typedef is None or holder is None or typedef.kind != "object":
        return False
    return abstract in typedef.interfaces or runtime in holder.members


def satisfiability_issues(
    subgraphs: list[Subgraph], types: dict[str, SType], hidden: str
) -> list[CompositionIssue]:
    """SATISFIABILITY_ERROR for fields some subgraph's queries could not reach."""
    return _Checker(subgraphs, types, hidden).check()
