"""Per operation: its checked selections once, and per outcome the filtered operation.

`OperationAuth` lives in the prepared operation's `compiled` cache, so it is made once per
document and operation name. A caller allowed everything costs one check per distinct
requirement. Otherwise the outcome (which selections are refused, and with which code)
picks a `Variant`: the operation without them, planned once and kept, plus the errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLSchema, OperationDefinitionNode, print_ast

from router.pipeline import PreparedOperation
from router.planner.nodes import QueryPlan
from router.plugins.auth.rules import AuthRules, Outcome, Requirement
from router.plugins.auth.walk import OperationWalk, PathPattern, Selection
from shared.identity import Identity

VARIANT_KEY = "auth.variant"
_MAX_VARIANTS = 16

Refusals = tuple[tuple[int, Outcome], ...]
PlanFiltered = Callable[[DocumentNode, str, str | None], QueryPlan]


@dataclass(slots=True)
class Variant:
    """The operation as one kind of caller may run it."""

    prepared: PreparedOperation  # the client's document (for shaping), the filtered plan
    document: DocumentNode | None  # the filtered document; None when nothing is left
    errors: list[dict[str, Any]]
    suppressed: list[PathPattern] = field(default_factory=list)


def _error(selection: Selection, code: Outcome) -> dict[str, Any]:
    if code == "UNAUTHENTICATED":
        message = f"Sign in to access {selection.coordinate}."
    else:
        message = f"Not allowed to access {selection.coordinate}."
    error: dict[str, Any] = {"message": message}
    if selection.location is not None:
        error["locations"] = [selection.location]
    error["path"] = list(selection.error_path)
    error["extensions"] = {"code": code}
    return error


class OperationAuth:
    """The checked selections of one operation and its filtered variants."""

    def __init__(
        self,
        schema: GraphQLSchema,
        rules: AuthRules,
        prepared: PreparedOperation,
        max_selections: int = 10_000,
    ) -> None:
        self.prepared = prepared
        self.walk = OperationWalk(
            schema, rules, prepared.document, prepared.operation, max_selections
        )
        self.selections = list(self.walk.analyse())
        self.requirements: set[Requirement] = {s.requirement for s in self.selections}
        self.variants: dict[Refusals, Variant] = {}

    def refusals(self, identity: Identity) -> Refusals:
        """The selections `identity` may not make, with the error code of each."""
        outcomes = {r: r.check(identity) for r in self.requirements}
        if all(outcome == "allowed" for outcome in outcomes.values()):
            return ()
        return tuple(
            (s.id, outcomes[s.requirement])
            for s in self.selections
            if outcomes[s.requirement] != "allowed"
        )

    def variant(self, refusals: Refusals, plan: PlanFiltered) -> Variant:
        """The operation without the refused selections (made and planned once)."""
        found = self.variants.get(refusals)
        if found is not None:
            return found
        filtered = self.walk.without(frozenset(selection for selection, _ in refusals))
        codes = dict(refusals)
        # One error per refused field, none for fields inside one (they were never reached).
        reached = {s.id for s in self.walk.selections}
        refused = [s for s in self.selections if s.id in codes and s.id in reached]
        errors = [_error(s, codes[s.id]) for s in refused]
        suppressed = [s.pattern for s in refused] + filtered.emptied
        document = _document(filtered.operation)
        kind = self.prepared.kind
        if document is None:
            query_plan = QueryPlan(None, operation_kind=kind)  # type: ignore[arg-type]
        else:
            query_plan = plan(document, print_ast(document), self._name())
        prepared = PreparedOperation(self.prepared.document, self.prepared.operation, query_plan)
        found = Variant(prepared, document, errors, suppressed)
        prepared.compiled[VARIANT_KEY] = found
        if len(self.variants) >= _MAX_VARIANTS:
            self.variants.clear()  # many scope sets could mean many variants: stay bounded
        self.variants[refusals] = found
        return found

    def _name(self) -> str | None:
        name = self.prepared.operation.name
        return name.value if name is not None else None


def _document(operation: OperationDefinitionNode | None) -> DocumentNode | None:
    return None if operation is None else DocumentNode(definitions=(operation,))
