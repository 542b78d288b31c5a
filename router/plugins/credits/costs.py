"""`@credits(cost:)` from the supergraph, and the charged root fields of an operation."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    GraphQLSchema,
    IntValueNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationDefinitionNode,
    parse,
)

from router.pipeline import PreparedOperation
from router.plugins._directives import linked_directive_name
from router.plugins._edge import fields_of, fragments_of
from shared.apps.directives import CREDITS_SPEC_URL

_SPEC_PREFIX = CREDITS_SPEC_URL.rsplit("/", 1)[0]


@dataclass(frozen=True, slots=True)
class ChargedField:
    """A root field of an operation that costs credits."""

    response_key: str
    field_name: str
    cost: int


class CostRules:
    """Per root type and field, the credits one call costs."""

    def __init__(self, document: DocumentNode) -> None:
        self.costs: dict[tuple[str, str], int] = {}
        name = _credits_link(document)
        self.linked = name is not None
        for definition in document.definitions:
            if not isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
                continue
            for field in definition.fields or ():
                for directive in field.directives or ():
                    if directive.name.value != (name or "credits"):
                        continue
                    args = {a.name.value: a.value for a in directive.arguments or ()}
                    cost = args.get("cost")
                    if isinstance(cost, IntValueNode):
                        key = (definition.name.value, field.name.value)
                        # Several subgraphs may apply it: the highest cost holds.
                        self.costs[key] = max(self.costs.get(key, 0), int(cost.value))

    @classmethod
    def from_sdl(cls, supergraph_sdl: str) -> CostRules:
        """The costs of a supergraph SDL."""
        return cls(parse(supergraph_sdl, no_location=True))

    def charged(
        self,
        schema: GraphQLSchema,
        prepared: PreparedOperation,
        operation: OperationDefinitionNode,
    ) -> list[ChargedField]:
        """The root fields of `operation` that carry @credits, one per response key."""
        root = schema.get_root_type(operation.operation)
        if root is None or not self.costs:
            return []
        found: dict[str, ChargedField] = {}
        for node in fields_of(operation.selection_set, fragments_of(prepared)):
            cost = self.costs.get((root.name, node.name.value))
            if cost is None or cost <= 0:
                continue
            key = node.alias.value if node.alias else node.name.value
            found.setdefault(key, ChargedField(key, node.name.value, cost))
        return list(found.values())


def _credits_link(document: DocumentNode) -> str | None:
    """The local name of Mateway's @credits (an `@link` import may rename it)."""
    return linked_directive_name(document, _SPEC_PREFIX, "credits")
