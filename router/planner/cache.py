"""A bounded LRU cache of query plans keyed by document hash and operation name."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from graphql import DocumentNode, print_ast

from router.planner.nodes import QueryPlan

PlanKey = tuple[str, str | None, frozenset[str]]  # document hash, operation, override labels


def document_hash(document: DocumentNode) -> str:
    """A stable hash of a document (its source text when known, else its printed form)."""
    loc = document.loc
    text = loc.source.body if loc is not None else print_ast(document)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class PlanCache:
    """Least-recently-used plans, at most ``maxsize`` of them; counts hits and misses."""

    def __init__(self, maxsize: int = 1024) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._plans: OrderedDict[PlanKey, QueryPlan] = OrderedDict()

    def get(self, key: PlanKey) -> QueryPlan | None:
        """The cached plan (now most recently used), or None."""
        plan = self._plans.get(key)
        if plan is None:
            self.misses += 1
            return None
        self.hits += 1
        self._plans.move_to_end(key)
        return plan

    def put(self, key: PlanKey, plan: QueryPlan) -> None:
        """Stores a plan, evicting the least recently used one when full."""
        self._plans[key] = plan
        self._plans.move_to_end(key)
        while len(self._plans) > self.maxsize:
            self._plans.popitem(last=False)

    def __len__(self) -> int:
        return len(self._plans)

    def __contains__(self, key: object) -> bool:
        return key in self._plans
