"""``@cost`` and ``@listSize`` of the supergraph (the API schema drops them), per field."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DirectiveNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    IntValueNode,
    ListValueNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    StringValueNode,
    parse,
)

FieldKey = tuple[str, str]  # (type name, field name)


@dataclass(frozen=True, slots=True)
class ListSize:
    """A field's ``@listSize``: a fixed assumed size or the arguments that slice the list."""

    assumed_size: int | None
    slicing_arguments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CostDirectives:
    """Weights and list sizes declared in the supergraph."""

    weights: dict[FieldKey, int] = field(default_factory=dict)
    list_sizes: dict[FieldKey, ListSize] = field(default_factory=dict)


def _argument(directive: DirectiveNode, name: str) -> object:
    for argument in directive.arguments or ():
        if argument.name.value == name:
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, ListValueNode):
                return tuple(v.value for v in value.values if isinstance(v, StringValueNode))
    return None


def cost_directives(supergraph_sdl: str | None) -> CostDirectives:
    """The ``@cost``/``@listSize`` uses on fields of object and interface types."""
    found = CostDirectives()
    if not supergraph_sdl:
        return found
    types = (
        ObjectTypeDefinitionNode,
        ObjectTypeExtensionNode,
        InterfaceTypeDefinitionNode,
        InterfaceTypeExtensionNode,
    )
    for definition in parse(supergraph_sdl, no_location=True).definitions:
        if not isinstance(definition, types):
            continue
        for node in definition.fields or ():
            key = (definition.name.value, node.name.value)
            for directive in node.directives or ():
                name = directive.name.value
                if name == "cost":
                    weight = _argument(directive, "weight")
                    if isinstance(weight, int):
                        found.weights[key] = weight
                elif name == "listSize":
                    assumed = _argument(directive, "assumedSize")
                    slicing = _argument(directive, "slicingArguments")
                    found.list_sizes[key] = ListSize(
                        assumed if isinstance(assumed, int) else None,
                        slicing if isinstance(slicing, tuple) else (),
                    )
    return found
