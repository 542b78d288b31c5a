"""plugins.auth: `@auth(requires: Role, scopes: [String!])` checked before any subgraph is called.

```yaml
plugins:
  auth:
    default: deny          # fields without @auth: deny (the safe choice) or a role name
    plan_cache_size: 256   # plans of filtered operations, by the filtered document's text
    max_selections: 10000  # fields walked per operation (fragments counted at each spread)
    enabled: true
```

On by default (``RouterConfig.plugin_sections`` adds it after the other plugins, so limits
reject oversized operations first). A supergraph that does not link Mateway's @auth spec (a
foreign federation) leaves the plugin idle unless ``default`` is set explicitly.

At OPERATION_VALIDATED the operation is walked against the caller (``ctx.identity``,
anonymous when no identity plugin set it). Fields the caller may not select are taken out
of the operation, which is planned without them (a mutation field taken out is never sent;
with every root field gone no subgraph is called). The response is still shaped from the
client's operation, so a removed field answers null (a non-null one nulls its parent),
with one error per removed field: ``extensions.code`` UNAUTHENTICATED for anonymous callers,
FORBIDDEN otherwise, ``path`` the field's response path cut after the first list field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

from graphql import DocumentNode, GraphQLSchema
from pydantic import BaseModel, ConfigDict, Field

from router.pipeline import (
    Executor,
    LRUCache,
    Pipeline,
    PreparedOperation,
    RequestContext,
    RequestError,
    Stage,
)
from router.planner.nodes import QueryPlan
from router.plugins._edge import identity_of, load_settings
from router.plugins.auth.operation import VARIANT_KEY, OperationAuth, Variant
from router.plugins.auth.response import add_refusals
from router.plugins.auth.rules import AuthRules, default_requirement
from router.plugins.auth.walk import OperationTooLarge
from router.transports import GraphQLResponse, SubgraphTransport

_OPERATION_KEY = "auth.operation"
_log = logging.getLogger("router.plugins.auth")


class AuthSettings(BaseModel):
    """The `plugins.auth` section."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    default: Literal["deny", "anonymous", "user", "admin"] = "deny"
    plan_cache_size: int = Field(default=256, ge=1)
    max_selections: int = Field(default=10_000, ge=1)


class Authorization:
    """The plugin's state: the supergraph's rules and the plans of filtered operations."""

    def __init__(self, pipeline: Pipeline, rules: AuthRules, settings: AuthSettings) -> None:
        self.pipeline = pipeline
        self.schema: GraphQLSchema = pipeline.schema
        self.rules = rules
        self.max_selections = settings.max_selections
        self.plans: LRUCache[str, QueryPlan] = LRUCache(settings.plan_cache_size)

    async def authorize(self, ctx: RequestContext) -> None:
        """Swaps the operation for the one the caller may run, when they may not run it all."""
        prepared = ctx.prepared
        if prepared is None:
            return
        auth = self.operation_auth(prepared)
        refusals = auth.refusals(identity_of(ctx))
        if not refusals:
            return
        variant = auth.variant(refusals, self.plan)
        if prepared.kind == "subscription" and variant.document is None:
            # Nothing to subscribe to: the stream would have no subgraph to listen on.
            raise RequestError(variant.errors[0]["message"], 200, errors=list(variant.errors))
        ctx.prepared = variant.prepared

    def operation_auth(self, prepared: PreparedOperation) -> OperationAuth:
        """The operation's checked selections, walked once per prepared operation."""
        found = prepared.compiled.get(_OPERATION_KEY)
        if found is None:
            try:
                found = OperationAuth(self.schema, self.rules, prepared, self.max_selections)
            except OperationTooLarge as error:
                raise RequestError(str(error), 400, code="OPERATION_TOO_LARGE") from error
            prepared.compiled[_OPERATION_KEY] = found
        assert isinstance(found, OperationAuth)
        return found

    def plan(self, document: DocumentNode, text: str, operation_name: str | None) -> QueryPlan:
        """The plan of a filtered document, cached by its text."""
        plan = self.plans.get(text)
        if plan is None:
            try:
                plan = self.pipeline.planner.plan(document, operation_name)
            except Exception as error:  # as the pipeline does: this request fails, not all
                message = f"The operation could not be planned: {error}"
                raise RequestError(message, 500, code="QUERY_PLANNING_FAILED") from error
            self.plans.put(text, plan)
        return plan


class AuthorizingExecutor:
    """Runs the wrapped executor, then adds the refusals of a filtered operation."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    async def execute(
        self,
        prepared: PreparedOperation,
        variables: dict[str, Any] | None,
        transports: Mapping[str, SubgraphTransport],
        ctx: RequestContext,
    ) -> GraphQLResponse:
        """The wrapped executor's response, with refusals added."""
        response = await self.inner.execute(prepared, variables, transports, ctx)
        return _with_refusals(prepared, response)

    async def execute_event(
        self,
        prepared: PreparedOperation,
        event: GraphQLResponse,
        variables: dict[str, Any] | None,
        transports: Mapping[str, SubgraphTransport],
        ctx: RequestContext,
    ) -> GraphQLResponse:
        """One subscription event from the wrapped executor, with refusals added."""
        response = await self.inner.execute_event(prepared, event, variables, transports, ctx)
        return _with_refusals(prepared, response)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # other plugins may read the executor's attributes


def _with_refusals(prepared: PreparedOperation, response: GraphQLResponse) -> GraphQLResponse:
    variant = prepared.compiled.get(VARIANT_KEY)
    if isinstance(variant, Variant):
        return add_refusals(response, variant.errors, variant.suppressed)
    return response


def supergraph_sdl(pipeline: Pipeline) -> str:
    """The supergraph SDL behind the pipeline's planner (@auth lives there, not in the API)."""
    supergraph = getattr(pipeline.planner, "supergraph", None)
    sdl = getattr(supergraph, "sdl", None)
    if not isinstance(sdl, str):
        raise TypeError("plugins.auth needs a planner with the supergraph (planner.supergraph.sdl)")
    return sdl


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Reads @auth from the supergraph and checks every operation before it is planned."""
    config = load_settings(AuthSettings, "auth", settings)
    if not config.enabled:
        return
    rules = AuthRules.from_sdl(supergraph_sdl(pipeline), default_requirement(config.default))
    if not rules.linked and "default" not in settings:
        _log.warning("plugins.auth: the supergraph does not link Mateway's @auth; not enforcing")
        return
    plugin = Authorization(pipeline, rules, config)
    pipeline.hook(Stage.OPERATION_VALIDATED, plugin.authorize)
    if not isinstance(pipeline.executor, AuthorizingExecutor):
        pipeline.executor = AuthorizingExecutor(pipeline.executor)
