"""``python -m router serve``: serve a supergraph file, or compose supergraph.yaml at start."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from router.config import RouterConfig
from router.http.app import RouterApp
from router.http.runtime import build_router
from router.http.subgraph_clients import AsgiTransport, HttpTransport
from router.http.workers import serve_workers
from router.supergraph_config import SubgraphEntry, SupergraphConfig, load_asgi_app
from router.transports import SubgraphTransport
from shared.gc_tuning import tune_collector
from shared.uvicorn_http import HttpProtocol, WebSocketProtocol


def run_serve(args: argparse.Namespace) -> int:
    """Builds the router from the arguments and runs it on uvicorn until stopped."""
    from router.composition.errors import CompositionError

    if getattr(args, "workers", 1) > 1:
        return serve_workers(args, args.workers)
    try:
        app = build_app(args)
    except (OSError, ValueError, CompositionError) as error:
        print(f"router: {error}", file=sys.stderr)
        return 1
    tune_collector()
    graphiql = " (GraphiQL in a browser)" if app.config.graphiql_enabled else ""
    print(f"router: serving http://{args.host}:{args.port}/graphql{graphiql}", file=sys.stderr)
    uvicorn_server(app, args.host, args.port).run()
    return 0


def uvicorn_server(app: RouterApp, host: str, port: int) -> uvicorn.Server:
    """The router's uvicorn server (uvloop, httptools, WebSockets without compression)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http=HttpProtocol,  # httptools, without a cycle left per WebSocket
        ws=WebSocketProtocol,  # websockets' Sans-I/O, nothing left in a cycle per socket
        # Subscription events are small JSON frames: compressing each costs CPU per event
        # and saves little.
        ws_per_message_deflate=False,
        lifespan="on",
        log_level="warning",
        access_log=False,
    )
    return uvicorn.Server(config)


def build_app(args: argparse.Namespace) -> RouterApp:
    """The router app for ``serve``'s arguments."""
    config = RouterConfig.load(args.router_config)
    if args.supergraph:
        sdl = Path(args.supergraph).read_text()
        return build_router(sdl, config)
    supergraph_config = SupergraphConfig.load(Path(args.config))
    transports = yaml_transports(supergraph_config, config)
    return build_router(compose(supergraph_config, transports), config, transports)


def yaml_transports(
    supergraph_config: SupergraphConfig, config: RouterConfig
) -> dict[str, SubgraphTransport]:
    """Transports for supergraph.yaml: in-process for ``module:`` entries, HTTP for ``url:``."""
    return {
        name: _transport(name, entry, config) for name, entry in supergraph_config.subgraphs.items()
    }


def _transport(name: str, entry: SubgraphEntry, config: RouterConfig) -> SubgraphTransport:
    override = config.subgraphs.get(name)
    timeout = entry.timeout_seconds
    if override is not None and override.timeout_seconds is not None:
        timeout = override.timeout_seconds
    if entry.module is not None:
        app = load_asgi_app(entry.module)
        return AsgiTransport(app, timeout=timeout, service_name=name)
    assert entry.url is not None
    return HttpTransport(entry.url, timeout=timeout, service_name=name)


def compose(supergraph_config: SupergraphConfig, transports: dict[str, SubgraphTransport]) -> str:
    """The supergraph SDL composed from the subgraphs (router.composition does the work)."""
    from router.composition.command import compose_supergraph_sdl

    sdl: str = compose_supergraph_sdl(supergraph_config, transports)
    return sdl
