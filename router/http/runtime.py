"""Assembles a router from a supergraph SDL: schema, planner, executor, pipeline, app."""

from __future__ import annotations

from collections.abc import Mapping

from router.config import RouterConfig
from router.executor.operation import RouterExecutor
from router.http.app import RouterApp
from router.http.lifespan import AppLifespan
from router.http.metrics import RouterMetrics
from router.http.subgraph_clients import AsgiTransport, HttpTransport
from router.pipeline import Pipeline, Stage, install_plugins
from router.planner.planner import QueryPlanner
from router.subscriptions.direct import DirectSubscriber
from router.subscriptions.sockets import AsgiConnector, NetworkConnector
from router.subscriptions.stream import Connector, SubscriptionEngine
from router.supergraph.model import Supergraph
from router.transports import HttpxTransport, SubgraphTransport
from shared.apps.factory import bundle_of


def http_transports(supergraph: Supergraph, config: RouterConfig) -> dict[str, HttpTransport]:
    """One pooled HTTP transport per subgraph, at the URL in ``join__Graph``."""
    return {
        graph.name: HttpTransport(
            graph.url, timeout=config.subgraph_timeout(graph.name), service_name=graph.name
        )
        for graph in supergraph.graphs.values()
        if graph.url.startswith(("http://", "https://"))
    }


def connectors_for(
    transports: Mapping[str, SubgraphTransport], config: RouterConfig
) -> dict[str, Connector]:
    """How to reach each subgraph's subscriptions: an in-process kit app's schema directly,
    another in-process ASGI app over an in-process WebSocket, else the network."""
    connectors: dict[str, Connector] = {}
    timeout = config.subscriptions.upstream_ack_timeout_seconds
    for name, transport in transports.items():
        if isinstance(transport, AsgiTransport | HttpxTransport) and transport.app is not None:
            bundle = bundle_of(transport.app)
            if bundle is not None:
                connectors[name] = DirectSubscriber(bundle)
            else:
                connectors[name] = AsgiConnector(transport.app, transport.url, timeout)
        elif isinstance(transport, HttpxTransport | HttpTransport):
            connectors[name] = NetworkConnector(transport.url, timeout)
    return connectors


def build_router(
    supergraph_sdl: str,
    config: RouterConfig | None = None,
    transports: Mapping[str, SubgraphTransport] | None = None,
    connectors: Mapping[str, Connector] | None = None,
) -> RouterApp:
    """The ASGI app serving ``supergraph_sdl``.

    ``transports`` default to HTTP clients at the ``join__Graph`` URLs; subgraphs
    not named in ``transports`` also get those. ``connectors`` (for subscriptions)
    default to ones derived from the transports.
    """
    config = config or RouterConfig()
    supergraph = Supergraph.from_sdl(supergraph_sdl)
    chosen: dict[str, SubgraphTransport] = dict(transports or {})
    for name, transport in http_transports(supergraph, config).items():
        chosen.setdefault(name, transport)
    schema = supergraph.api_schema
    metrics = RouterMetrics()
    planner = QueryPlanner(
        supergraph, override_labels=config.override_labels, cache_size=config.plan_cache_size
    )

    def on_fetch(service: str, seconds: float, succeeded: bool) -> None:
        metrics.observe_fetch(service, "success" if succeeded else "error", seconds)

    executor = RouterExecutor(schema, development=config.development, on_fetch=on_fetch)
    pipeline = Pipeline(
        schema,
        planner,
        executor,
        chosen,
        document_cache_size=config.document_cache_size,
        plan_cache_size=config.plan_cache_size,
        development=config.development,
    )
    pipeline.hook(Stage.RESPONSE, metrics.observe_request)
    pipeline.metrics_registry = metrics.registry
    install_plugins(pipeline, config.plugin_sections())
    engine = SubscriptionEngine(
        pipeline,
        connectors if connectors is not None else connectors_for(chosen, config),
        ack_timeout=config.subscriptions.upstream_ack_timeout_seconds,
    )
    lifespans = [
        AppLifespan(name, transport.app)
        for name, transport in chosen.items()
        if isinstance(transport, AsgiTransport | HttpxTransport) and transport.app is not None
    ]

    async def start_subgraphs() -> None:
        for lifespan in lifespans:
            await lifespan.startup()

    async def stop_subgraphs() -> None:
        for lifespan in reversed(lifespans):
            await lifespan.shutdown()

    # Plugins start after the in-process subgraphs; their shutdown is RouterApp.aclose's.
    startup = [start_subgraphs, *pipeline.on_startup]
    return RouterApp(pipeline, engine, config, metrics, chosen, startup, [stop_subgraphs])
