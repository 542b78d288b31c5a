"""Serve one app alone: `python -m subgraphs.<app> [--host H] [--port P]`.

Each app's `__main__.py` calls `serve_app("subgraphs.<app>")`. Logging is configured before
the app is imported and uvicorn gets `log_config=None`, so its lines go through the JSON
formatter of shared.logging like every other line.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from shared.apps.manifest import load_manifest
from shared.gc_tuning import tune_collector
from shared.logging import configure_logging
from shared.settings import ServiceSettings
from shared.tracing import configure_tracing
from shared.uvicorn_http import HttpProtocol, WebSocketProtocol

DEFAULT_PORT = 4100


def package_dir(package: str) -> Path:
    """The folder of an importable package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{package} is not a package")
    return Path(next(iter(spec.submodule_search_locations)))


def parse_args(package: str, argv: Sequence[str] | None, default_port: int) -> argparse.Namespace:
    """The command line of `python -m <package>`."""
    parser = argparse.ArgumentParser(prog=f"python -m {package}", description=f"serve {package}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--access-log", action="store_true", help="log every request")
    return parser.parse_args(argv)


def serve_app(
    package: str, argv: Sequence[str] | None = None, default_port: int = DEFAULT_PORT
) -> int:
    """Serve `<package>.app:app` on uvicorn with JSON logs and tracing; return an exit code."""
    args = parse_args(package, argv, default_port)
    manifest = load_manifest(package_dir(package))
    settings = ServiceSettings(service_name=manifest.name)
    configure_logging(settings.service_name, settings.log_level, settings.log_dir)
    configure_tracing(settings.service_name, settings.otlp_endpoint)
    app = importlib.import_module(f"{package}.app").app
    tune_collector()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=args.access_log,
        lifespan="auto",
        http=HttpProtocol,  # httptools, without a cycle left per WebSocket
        ws=WebSocketProtocol,  # websockets' Sans-I/O, nothing left in a cycle per socket
    )
    return 0
