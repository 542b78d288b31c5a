"""The router as a pipeline of stages: request -> parse/validate -> plan -> execute -> respond.

Cross-cutting behaviour (auth, credits, rate limits, persisted documents, limits)
attaches to a named ``Stage`` as a hook; the planner and executor know nothing
of it. A hook receives the ``RequestContext``; it may change it (fill in the
query of a persisted document, add subgraph headers), end the request by raising
``RequestError``, or answer it by setting ``ctx.response``.

Parse + validate is cached per document text and the prepared operation (with
its plan) per document text and operation name, both in bounded LRUs, so a
repeated operation costs two dict lookups before execution.
"""

from __future__ import annotations

import importlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    parse,
    validate,
)
from graphql.utilities import get_operation_ast

from router.planner.nodes import QueryPlan
from router.planner.render import plan_to_dict
from router.transports import GraphQLResponse, SubgraphTransport
from shared.identity import Identity

_log = logging.getLogger("router.pipeline")


class Stage(StrEnum):
    """Named points of the pipeline where plugins hook in, in the order they run."""

    ROUTER_REQUEST = "router_request"  # before parsing: persisted documents, identity, CSRF
    OPERATION_VALIDATED = "operation_validated"  # parsed, validated, operation chosen: limits
    PLAN_READY = "plan_ready"  # plan known: auth directives, credit reservation
    RESPONSE = "response"  # result known (also on request errors): settlement, telemetry
    # A streamed operation (WebSocket, SSE) ended: completed, failed or the client left.
    STREAM_END = "stream_end"


class RequestError(Exception):
    """Ends a request before execution: GraphQL errors and an HTTP status."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        well_formed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        extensions = {"code": code} if code else None
        single = {"message": message, **({"extensions": extensions} if extensions else {})}
        self.errors = errors or [single]
        self.status = status
        # False when the request itself is malformed (GraphQL-over-HTTP: 400 whatever the
        # media type); True for GraphQL request errors (parse, validation, operation choice).
        self.well_formed = well_formed
        # Response headers the error asks for (e.g. Retry-After on a 429).
        self.headers = headers or {}


@dataclass(slots=True)
class GraphQLRequest:
    """The GraphQL parameters of one request, from a JSON body or GET query string."""

    query: str | None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None
    # A persisted document's id (GraphQL-over-HTTP ``documentId``); the query is then looked up.
    document_id: str | None = None


@dataclass(slots=True)
class PreparedOperation:
    """An operation ready to run: validated document, chosen operation, and its plan."""

    document: DocumentNode
    operation: OperationDefinitionNode
    plan: QueryPlan | None = None
    # Per-operation data the executor compiles once (e.g. the response shaper).
    compiled: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """'query', 'mutation' or 'subscription'."""
        return self.operation.operation.value

    @property
    def name(self) -> str:
        """The operation name, or 'anonymous'."""
        return self.operation.name.value if self.operation.name else "anonymous"


@dataclass(slots=True)
class RequestContext:
    """Everything a request carries through the stages; ``state`` is for plugins."""

    request: GraphQLRequest
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    subgraph_headers: dict[str, str] = field(default_factory=dict)
    prepared: PreparedOperation | None = None
    response: GraphQLResponse | None = None
    status: int = 200
    plan_cache_hit: bool | None = None
    started: float = field(default_factory=time.perf_counter)
    client_ip: str | None = None  # the peer address of the HTTP connection
    response_headers: dict[str, str] = field(default_factory=dict)  # added to the HTTP answer
    # The verified caller, set by plugins.identity at ROUTER_REQUEST (anonymous until then).
    identity: Identity = field(default_factory=Identity.anonymous)

    @property
    def operation_name(self) -> str:
        """The chosen operation's name for metrics and logs ('anonymous' when unnamed)."""
        if self.prepared is not None:
            return self.prepared.name
        return self.request.operation_name or "anonymous"


Hook = Callable[[RequestContext], Awaitable[None]]


class HttpFilter(Protocol):
    """An HTTP-level plugin part (CORS): answers some requests itself, adds response headers."""

    def answer(
        self, method: str, path: str, headers: Mapping[str, str]
    ) -> tuple[int, dict[str, str]] | None:
        """A status and headers to answer with (e.g. a CORS preflight), or None to go on."""
        ...

    def response_headers(
        self, method: str, path: str, headers: Mapping[str, str]
    ) -> dict[str, str]:
        """Headers to add to the response of this request."""
        ...


class Planner(Protocol):
    """Makes the plan of one operation of a validated document."""

    def plan(self, document: DocumentNode, operation_name: str | None) -> QueryPlan: ...


class Executor(Protocol):
    """Runs a prepared operation's plan against the subgraphs and shapes the response."""

    async def execute(
        self,
        prepared: PreparedOperation,
        variables: dict[str, Any] | None,
        transports: Mapping[str, SubgraphTransport],
        ctx: RequestContext,
    ) -> GraphQLResponse: ...

    async def execute_event(
        self,
        prepared: PreparedOperation,
        event: GraphQLResponse,
        variables: dict[str, Any] | None,
        transports: Mapping[str, SubgraphTransport],
        ctx: RequestContext,
    ) -> GraphQLResponse:
        """Resolves one subscription event: runs the plan's ``rest`` on it and shapes it."""
        ...


K = TypeVar("K")
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A bounded least-recently-used map with hit and miss counters."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The cached value (marked recently used), or None."""
        value = self._items.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Stores ``value``, evicting the least recently used entry when full."""
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.maxsize:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(slots=True, frozen=True)
class ParsedDocument:
    """A parsed document and its validation errors (empty when valid)."""

    document: DocumentNode | None
    errors: tuple[dict[str, Any], ...]


class Pipeline:
    """Runs requests through the stages; plugins register hooks with ``hook``."""

    def __init__(
        self,
        schema: GraphQLSchema,
        planner: Planner,
        executor: Executor,
        transports: Mapping[str, SubgraphTransport],
        document_cache_size: int = 1024,
        plan_cache_size: int = 1024,
        development: bool = False,
    ) -> None:
        self.schema = schema
        self.planner = planner
        self.executor = executor
        self.transports = transports
        self.development = development
        self.documents: LRUCache[str, ParsedDocument] = LRUCache(document_cache_size)
        self.operations: LRUCache[tuple[str, str | None], PreparedOperation] = LRUCache(
            plan_cache_size
        )
        self._hooks: dict[Stage, list[Hook]] = {stage: [] for stage in Stage}
        # Parse-time limit (graphql-core aborts before building the AST); set by plugins.limits.
        self.max_tokens: int | None = None
        self.http_filters: list[HttpFilter] = []
        # Plugins' start-up work (e.g. loading revocations), run when the router starts.
        self.on_startup: list[Callable[[], Awaitable[None]]] = []
        # The router's Prometheus registry (a CollectorRegistry), for plugins' own series.
        self.metrics_registry: Any = None
        # Plugins' clean-up (closing their Redis clients), run when the router shuts down.
        self.on_shutdown: list[Callable[[], Awaitable[None]]] = []

    def hook(self, stage: Stage, hook: Hook) -> None:
        """Runs ``hook`` at ``stage`` of every request, after hooks added earlier."""
        self._hooks[stage].append(hook)

    async def run_stage(self, stage: Stage, ctx: RequestContext) -> None:
        """Runs the hooks of one stage."""
        for hook in self._hooks[stage]:
            await hook(ctx)

    async def run(self, ctx: RequestContext) -> RequestContext:
        """Runs one query or mutation; ``ctx.response`` and ``ctx.status`` hold the answer."""
        try:
            prepared = await self.prepare(ctx)
            if ctx.response is None and prepared is not None:
                if prepared.kind == "subscription":
                    raise RequestError(
                        "Subscriptions need a WebSocket or Accept: text/event-stream", 400
                    )
                await self.run_execution(ctx)
        except RequestError as error:
            self._fail(ctx, error)
        except Exception as error:  # a bug in a hook or the executor answers 500, not a crash
            _log.exception("request failed in the router")
            detail = f"{type(error).__name__}: {error}" if self.development else None
            message = "Internal server error." + (f" {detail}" if detail else "")
            self._fail(ctx, RequestError(message, 500, code="INTERNAL_SERVER_ERROR"))
        await self.run_stage(Stage.RESPONSE, ctx)
        return ctx

    @staticmethod
    def _fail(ctx: RequestContext, error: RequestError) -> None:
        ctx.response = {"errors": error.errors}
        ctx.status = error.status
        ctx.response_headers.update(error.headers)
        ctx.state["request_error"] = error

    async def run_execution(self, ctx: RequestContext) -> None:
        """Executes the prepared query or mutation of ``ctx`` into ``ctx.response``."""
        assert ctx.prepared is not None
        ctx.response = await self.executor.execute(
            ctx.prepared, ctx.request.variables, self.transports, ctx
        )
        self._add_query_plan(ctx)

    async def prepare(self, ctx: RequestContext) -> PreparedOperation | None:
        """Runs the stages up to the plan; None when a hook answered the request itself."""
        await self.run_stage(Stage.ROUTER_REQUEST, ctx)
        if ctx.response is not None:
            return None
        prepared = ctx.prepared = self.prepare_operation(ctx)
        await self.run_stage(Stage.OPERATION_VALIDATED, ctx)
        if ctx.response is not None:
            return None
        # A hook may swap the operation to run (plugins.auth: the fields the caller may see).
        prepared = ctx.prepared or prepared
        ctx.plan_cache_hit = prepared.plan is not None
        if prepared.plan is None:
            # Planned after the validated-stage hooks so limits reject before planning work.
            prepared.plan = self._plan(prepared, ctx.request.operation_name)
        await self.run_stage(Stage.PLAN_READY, ctx)
        return prepared if ctx.response is None else None

    def _plan(self, prepared: PreparedOperation, operation_name: str | None) -> QueryPlan:
        try:
            return self.planner.plan(prepared.document, operation_name)
        except Exception as error:  # a planning failure answers this request, not the process
            message = f"The operation could not be planned: {error}"
            raise RequestError(message, 500, code="QUERY_PLANNING_FAILED") from error

    def prepare_operation(self, ctx: RequestContext) -> PreparedOperation:
        """The cached prepared operation of the request (parsed, validated, operation chosen)."""
        query = ctx.request.query
        if not isinstance(query, str) or not query:
            raise RequestError("Must provide a query string", 400, well_formed=False)
        key = (query, ctx.request.operation_name)
        prepared = self.operations.get(key)
        if prepared is None:
            document = self.parse_and_validate(query)
            operation = self.select_operation(document, ctx.request.operation_name)
            prepared = PreparedOperation(document, operation)
            self.operations.put(key, prepared)
        if ctx.method == "GET" and prepared.kind == "mutation":
            raise RequestError("Mutations are not allowed over GET; use POST", 405)
        return prepared

    def parse_and_validate(self, query: str) -> DocumentNode:
        """The document of ``query``, validated against the API schema (cached per text)."""
        parsed = self.documents.get(query)
        if parsed is None:
            parsed = self._parse_and_validate(query)
            self.documents.put(query, parsed)
        if parsed.errors:
            raise RequestError(parsed.errors[0]["message"], 400, errors=list(parsed.errors))
        assert parsed.document is not None
        return parsed.document

    def _parse_and_validate(self, query: str) -> ParsedDocument:
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLSyntaxError as error:
            if self.max_tokens is not None and error.message.endswith("Parsing aborted."):
                too_long = request_error(error, "MAX_TOKENS_EXCEEDED")
                too_long["extensions"]["limit"] = self.max_tokens
                return ParsedDocument(None, (too_long,))
            return ParsedDocument(None, (request_error(error, "GRAPHQL_PARSE_FAILED"),))
        errors = validate(self.schema, document)
        formatted = tuple(request_error(e, "GRAPHQL_VALIDATION_FAILED") for e in errors)
        return ParsedDocument(document, formatted)

    @staticmethod
    def select_operation(
        document: DocumentNode, operation_name: str | None
    ) -> OperationDefinitionNode:
        """The operation to run, or a request error naming why there is none."""
        operation = get_operation_ast(document, operation_name)
        if operation is not None:
            return operation
        if operation_name:
            raise RequestError(f'Unknown operation named "{operation_name}".', 400)
        raise RequestError("Must provide operation name if query contains multiple operations.")

    def _add_query_plan(self, ctx: RequestContext) -> None:
        """In development mode, adds the plan to ``extensions`` when the request asks."""
        if not self.development or ctx.response is None or ctx.prepared is None:
            return
        if ctx.prepared.plan is None:
            return
        asked = (ctx.request.extensions or {}).get("queryPlan")
        if not asked and ctx.headers.get("x-mateway-query-plan", "") not in ("1", "true"):
            return
        extensions = ctx.response.setdefault("extensions", {})
        extensions["queryPlan"] = plan_to_dict(ctx.prepared.plan)


class Plugin(Protocol):
    """A router behaviour: a module with ``install(pipeline, settings)`` hooking its stages."""

    def install(self, pipeline: Pipeline, settings: dict[str, Any]) -> None: ...


def install_plugins(pipeline: Pipeline, sections: Mapping[str, dict[str, Any]]) -> list[str]:
    """Installs each configured plugin in order; returns the module names installed.

    A section name is a module under ``router.plugins`` (``rate_limits``) or a full
    module path (``company.router_plugins.audit``); its settings are the section.
    """
    installed = []
    for name, settings in sections.items():
        module_name = name if "." in name else f"router.plugins.{name}"
        plugin: Plugin = importlib.import_module(module_name)  # type: ignore[assignment]
        plugin.install(pipeline, dict(settings or {}))
        installed.append(module_name)
    return installed


# graphql-core quotes names 'like this', graphql-js (Apollo, Hive) "like this": clients and
# differential tests see graphql-js's wording. Only quote-delimited tokens without spaces change.
_SINGLE_QUOTED = re.compile(r"'([^'\s]+)'")


def request_error(error: GraphQLError, code: str) -> dict[str, Any]:
    """A parse or validation error as a client error with ``extensions.code``."""
    formatted: dict[str, Any] = dict(error.formatted)
    formatted["message"] = _SINGLE_QUOTED.sub(r'"\1"', error.message)
    formatted["extensions"] = {**(formatted.get("extensions") or {}), "code": code}
    return formatted
