"""Which supergraph the two gateways serve: ours, or Apollo's at each join spec version.

Our router must serve a supergraph composed by anyone (issue 2), so the differential
cases also run on Apollo-composed supergraphs: join v0.5 over every test subgraph, and
join v0.4 / v0.3 over the demo federation declared as Federation 2.7 / 2.0.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import OperationDefinitionNode, parse

from tests.router.differential.queries import Case
from tests.support.demo import DEMO_SUBGRAPHS
from tests.support.federation import SubgraphSource

SERVED_FEDERATION_LINK = "https://specs.apollo.dev/federation/v2.11"
DEMO_ROOT_FIELDS = {"users", "user", "me", "topProducts", "product", "latestReviews"}
DEMO_ROOT_FIELDS |= {"warehouseName", "__typename", "__schema", "__type"}


@dataclass(frozen=True)
class Variant:
    """A supergraph for both gateways: who composes it, from which subgraphs."""

    name: str
    composer: str  # "mateway" or "apollo"
    federation: str | None = None  # rewrite the subgraphs' @link to this version
    demo_only: bool = False

    def sources(self, subgraphs: list[SubgraphSource]) -> list[SubgraphSource]:
        """The subgraphs this variant composes, with their federation version rewritten."""
        chosen = [s for s in subgraphs if not self.demo_only or s.name in DEMO_SUBGRAPHS]
        if self.federation is None:
            return chosen
        link = f"https://specs.apollo.dev/federation/v{self.federation}"
        return [
            SubgraphSource(s.name, s.url, s.sdl.replace(SERVED_FEDERATION_LINK, link))
            for s in chosen
        ]

    def covers(self, case: Case) -> bool:
        """True when every root field the case selects exists in this variant's supergraph."""
        return not self.demo_only or _root_fields(case) <= DEMO_ROOT_FIELDS


def _root_fields(case: Case) -> set[str]:
    try:
        document = parse(case.query)
    except Exception:
        return set()  # a syntax-error case is rejected the same way by any supergraph
    names: set[str] = set()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for selection in definition.selection_set.selections:
                name = getattr(selection, "name", None)
                names.add(name.value if name is not None else "...")
    return names


VARIANTS = [
    Variant("mateway", "mateway"),
    Variant("apollo_join_v0_5", "apollo"),
    Variant("apollo_join_v0_4", "apollo", federation="2.7", demo_only=True),
    Variant("apollo_join_v0_3", "apollo", federation="2.0", demo_only=True),
]
