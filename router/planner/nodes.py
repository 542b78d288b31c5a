"""Query plan nodes: the contract between the planner and the executor.

The shapes follow Apollo's query plan format so plans read the same as in
Apollo Router or Hive Gateway (`Sequence`, `Parallel`, `Fetch`, `Flatten`,
`Subscription`, `Condition`):

- A ``FetchNode`` sends ``operation`` (a complete GraphQL document with its
  variable definitions) to ``service_name``. Client variables listed in
  ``variable_usages`` are forwarded under the same names.
- A root fetch (``requires is None``) writes its ``data`` into the response at
  the path of the enclosing ``FlattenNode`` or at the root.
- An entity fetch (``requires`` set) sits inside a ``FlattenNode``: the executor
  collects the objects at ``FlattenNode.path`` ("@" steps into list items), turns
  each into a representation with ``requires`` (pick the inline fragment whose
  type condition matches the object's ``__typename``, copy those fields), applies
  ``input_rewrites``, de-duplicates the representations, passes them as the
  ``$representations`` variable, and merges ``_entities[i]`` back into every
  object that produced representation ``i`` (after ``output_rewrites``).
- Response keys in subgraph operations and in paths are the client's response
  names (aliases), so results merge by key. Fields the planner adds for its own
  use (keys, ``__typename``, requires) are dropped when the response is shaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

OperationKind = Literal["query", "mutation", "subscription"]
PathElement = str  # a response key, or "@" for every item of a list


@dataclass(frozen=True, slots=True)
class FieldSelection:
    """A field in a ``requires`` selection (no arguments).

    ``alias``, when set, is the response key under which the parent fetch returned
    the value (the planner aliases its own fields when a client alias already uses
    the name); the representation still carries it under ``name``.
    """

    name: str
    selections: tuple[Selection, ...] = ()
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class InlineFragmentSelection:
    """``... on TypeCondition { selections }`` in a ``requires`` selection."""

    type_condition: str
    selections: tuple[Selection, ...]


Selection = FieldSelection | InlineFragmentSelection


@dataclass(frozen=True, slots=True)
class ValueSetter:
    """Sets the value at ``path`` (response keys, "... on T" steps) to ``set_value_to``.

    Used for ``@interfaceObject``: a representation of a concrete type sent to a
    subgraph that only knows the interface gets ``__typename`` rewritten.
    """

    path: tuple[str, ...]
    set_value_to: str


@dataclass(frozen=True, slots=True)
class FetchNode:
    service_name: str
    operation: str
    operation_kind: OperationKind = "query"
    operation_name: str | None = None
    variable_usages: tuple[str, ...] = ()
    requires: tuple[Selection, ...] | None = None
    input_rewrites: tuple[ValueSetter, ...] = ()
    output_rewrites: tuple[ValueSetter, ...] = ()
    id: str | None = None
    kind: Literal["Fetch"] = "Fetch"


@dataclass(frozen=True, slots=True)
class FlattenNode:
    path: tuple[PathElement, ...]
    node: FetchNode
    kind: Literal["Flatten"] = "Flatten"


@dataclass(frozen=True, slots=True)
class SequenceNode:
    nodes: tuple[PlanNode, ...]
    kind: Literal["Sequence"] = "Sequence"


@dataclass(frozen=True, slots=True)
class ParallelNode:
    nodes: tuple[PlanNode, ...]
    kind: Literal["Parallel"] = "Parallel"


@dataclass(frozen=True, slots=True)
class ConditionNode:
    """Runs ``if_clause`` when the boolean variable ``condition`` is true, else ``else_clause``."""

    condition: str
    if_clause: PlanNode | None
    else_clause: PlanNode | None
    kind: Literal["Condition"] = "Condition"


@dataclass(frozen=True, slots=True)
class SubscriptionNode:
    """``primary`` subscribes on the owning subgraph; ``rest`` runs once per event."""

    primary: FetchNode
    rest: PlanNode | None
    kind: Literal["Subscription"] = "Subscription"


PlanNode = FetchNode | FlattenNode | SequenceNode | ParallelNode | ConditionNode | SubscriptionNode


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """The plan of one operation; ``node`` is None when no subgraph is needed."""

    node: PlanNode | None
    operation_kind: OperationKind = "query"
    extra: dict[str, object] = field(default_factory=dict)
