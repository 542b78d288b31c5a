"""Federation 2 composition: subgraph SDLs into an Apollo-format supergraph."""

from router.composition.compose import Composed, compose
from router.composition.errors import CompositionError, CompositionIssue
from router.composition.subgraph import SubgraphSchema

__all__ = ["Composed", "CompositionError", "CompositionIssue", "SubgraphSchema", "compose"]
