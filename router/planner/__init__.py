"""Query planning: a client operation + the supergraph -> a QueryPlan (Apollo's format).

Stages, one module each:

- ``selections``: the operation's selections with named fragments expanded, and the
  mutable, merging selection trees the subgraph operations are printed from.
- ``resolution``: which graph resolves which field (override labels applied), keys,
  ``@requires``/``@provides`` field sets, and a rough cost used to pick subgraphs.
- ``builder``: walks the selections and splits them into fetch groups; a field the
  current graph cannot resolve becomes an ``_entities`` hop keyed by a ``@key`` the
  source can provide, with required fields fetched first.
- ``groups``: a fetch group's printed operation and ``requires`` representation.
- ``schedule``: groups -> Sequence / Parallel / Flatten / Condition nodes.
- ``planner``: ``QueryPlanner.plan`` with the LRU ``cache``; ``render`` prints plans.
"""
