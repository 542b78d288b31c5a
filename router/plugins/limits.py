"""Operation limits: depth, aliases, tokens, root fields and an estimated cost.

Config section ``plugins.limits``; every limit is optional (``null`` = no limit)::

    limits:
      max_depth: 12
      max_aliases: 30
      max_tokens: 5000          # checked while parsing: graphql-core stops before building an AST
      max_root_fields: 10
      max_cost: 5000
      default_list_size: 10     # list size assumed without @listSize or a size argument
      size_arguments: [first, last, limit]

Fragments are expanded where they are spread: a fragment spread three times counts its
aliases three times and adds its depth at each place, so fragments cannot hide work (the
alias-limit bypass strawberry-graphql fixed in 0.315.7). The cost of a field is its weight
(``@cost(weight:)`` in the supergraph, else 1 for object fields and 0 for leaves) plus its
selections' cost times its list size (``@listSize``, a size argument, or the default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    get_named_type,
    value_from_ast,
)
from graphql.pyutils import Undefined
from pydantic import BaseModel, ConfigDict, Field

from router.pipeline import Pipeline, PreparedOperation, RequestContext, RequestError, Stage
from router.plugins._cost_directives import CostDirectives, cost_directives
from router.plugins._edge import fields_of, fragments_of, load_settings


class LimitsSettings(BaseModel):
    """The ``plugins.limits`` section."""

    model_config = ConfigDict(extra="forbid")

    max_depth: int | None = Field(default=None, ge=1)
    max_aliases: int | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=1)
    max_root_fields: int | None = Field(default=None, ge=1)
    max_cost: int | None = Field(default=None, ge=1)
    default_list_size: int = Field(default=10, ge=1)
    size_arguments: list[str] = Field(default_factory=lambda: ["first", "last", "limit"])


@dataclass(frozen=True, slots=True)
class Measure:
    """How big an operation is: nesting depth, aliases, root fields and estimated cost."""

    depth: int
    aliases: int
    root_fields: int
    cost: int


class _Walker:
    """Measures one operation; fragment results are memoised (their type is fixed)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        settings: LimitsSettings,
        directives: CostDirectives,
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.settings = settings
        self.directives = directives
        self.variables = variables
        self._memo: dict[str, tuple[int, int, int]] = {}

    def selection_set(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> tuple[int, int, int]:
        """(depth, aliases, cost) of a selection set under ``parent``."""
        depth = aliases = cost = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                measured = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                measured = self.selection_set(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                measured = self.fragment(selection.name.value)
            else:
                continue
            depth = max(depth, measured[0])
            aliases += measured[1]
            cost += measured[2]
        return depth, aliases, cost

    def fragment(self, name: str) -> tuple[int, int, int]:
        """A fragment's measure wherever it is spread (cycles are validation errors)."""
        if name in self._memo:
            return self._memo[name]
        self._memo[name] = (0, 0, 0)  # guards recursion if validation was ever skipped
        fragment = self.fragments.get(name)
        if fragment is None:
            return 0, 0, 0
        parent = self.schema.get_type(fragment.type_condition.name.value)
        measured = self._memo[name] = self.selection_set(fragment.selection_set, parent)
        return measured

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> tuple[int, int, int]:
        """(depth, aliases, cost) of one field and what it selects."""
        definition = self._definition(node.name.value, parent)
        child_type = get_named_type(definition.type) if definition else None
        depth, aliases, cost = self.selection_set(node.selection_set, child_type)
        alias = 1 if node.alias is not None else 0
        if definition is None or parent is None:
            return depth + 1, aliases + alias, cost
        key = (parent.name, node.name.value)
        weight = self.directives.weights.get(key, 1 if node.selection_set else 0)
        size = self._list_size(node, definition, key)
        return depth + 1, aliases + alias, weight + size * cost

    def _definition(self, name: str, parent: GraphQLNamedType | None) -> GraphQLField | None:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent is self.schema.query_type and name in ("__schema", "__type"):
            return SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            found: GraphQLField | None = parent.fields.get(name)
            return found
        return None

    def _list_size(self, node: FieldNode, definition: GraphQLField, key: tuple[str, str]) -> int:
        output_type = definition.type
        if isinstance(output_type, GraphQLNonNull):
            output_type = output_type.of_type
        if not isinstance(output_type, GraphQLList):
            return 1
        arguments = self._arguments(node, definition)
        configured = self.directives.list_sizes.get(key)
        names = configured.slicing_arguments if configured else self.settings.size_arguments
        sizes = [v for n in names if isinstance(v := arguments.get(n), int) and v >= 0]
        if sizes:
            return max(sizes)
        if configured and configured.assumed_size is not None:
            return configured.assumed_size
        return self.settings.default_list_size

    def _arguments(self, node: FieldNode, definition: GraphQLField) -> dict[str, Any]:
        values: dict[str, Any] = {}
        given = {a.name.value: a.value for a in node.arguments or ()}
        for name, argument in definition.args.items():
            if name in given:
                value = value_from_ast(given[name], argument.type, self.variables)
            else:
                value = argument.default_value
            if value is not Undefined:
                values[name] = value
        return values


def measure(
    schema: GraphQLSchema,
    prepared: PreparedOperation,
    settings: LimitsSettings,
    directives: CostDirectives | None = None,
    variables: dict[str, Any] | None = None,
) -> Measure:
    """The depth, aliases, root fields and estimated cost of a prepared operation."""
    root = schema.get_root_type(prepared.operation.operation)
    fragments = fragments_of(prepared)
    walker = _Walker(schema, fragments, settings, directives or CostDirectives(), variables or {})
    depth, aliases, cost = walker.selection_set(prepared.operation.selection_set, root)
    roots = sum(
        1
        for f in fields_of(prepared.operation.selection_set, fragments)
        if f.name.value != "__typename"
    )
    return Measure(depth, aliases, roots, cost)


def _exceeded(code: str, what: str, actual: int, limit: int) -> RequestError:
    message = f"The operation's {what} ({actual}) exceeds the limit of {limit}."
    error = {"message": message, "extensions": {"code": code, "limit": limit, "actual": actual}}
    return RequestError(message, 400, errors=[error])


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Sets the parse-time token limit and checks the other limits once validated."""
    config = load_settings(LimitsSettings, "limits", settings)
    pipeline.max_tokens = config.max_tokens
    supergraph = getattr(pipeline.planner, "supergraph", None)
    directives = cost_directives(getattr(supergraph, "sdl", None))

    async def check_limits(ctx: RequestContext) -> None:
        prepared = ctx.prepared
        assert prepared is not None
        found: Measure | None = prepared.compiled.get("limits.measure")
        if found is None:
            found = measure(pipeline.schema, prepared, config, directives, ctx.request.variables)
            if not prepared.operation.variable_definitions:
                # Without variables the measure is a property of the document: keep it.
                prepared.compiled["limits.measure"] = found
        checks = (
            ("MAX_DEPTH_EXCEEDED", "depth", found.depth, config.max_depth),
            ("MAX_ALIASES_EXCEEDED", "number of aliases", found.aliases, config.max_aliases),
            ("MAX_ROOT_FIELDS_EXCEEDED", "number of root fields", found.root_fields,
             config.max_root_fields),
            ("COST_ESTIMATED_TOO_EXPENSIVE", "estimated cost", found.cost, config.max_cost),
        )  # fmt: skip
        for code, what, actual, limit in checks:
            if limit is not None and actual > limit:
                raise _exceeded(code, what, actual, limit)

    pipeline.hook(Stage.OPERATION_VALIDATED, check_limits)
