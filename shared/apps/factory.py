"""Build an app from its folder: manifest, Strawberry schema, skills, and an ASGI app.

```python
# subgraphs/pdf/app.py
bundle = create_app(Path(__file__).parent, checks={"redis": redis_health_check(client)})
app = bundle.asgi   # supergraph.yaml: module: subgraphs.pdf.app:app
```
The ASGI app serves `/graphql` (queries and mutations over HTTP, subscriptions over
graphql-transport-ws and SSE), `/health` and `/metrics`.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL

from shared.apps.app_settings import load_app_settings, provider_settings_schemas
from shared.apps.manifest import MANIFEST_FILE, AppManifest, ManifestError, load_manifest
from shared.apps.skills import SkillInfo, app_skills, check_skill_directives
from shared.auth.subgraph import IdentityGraphQL, InternalTokenMiddleware
from shared.errors import MatewaySchema
from shared.health import HealthCheck, HealthChecker, health_endpoint
from shared.metrics import MetricsMiddleware, RequestMetrics, create_registry, metrics_endpoint
from shared.settings import ServiceSettings
from shared.tracing import server_span

SUBSCRIPTION_PROTOCOLS = (GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL)


@dataclass(frozen=True)
class AppBundle:
    """Everything the kit built for one app."""

    manifest: AppManifest
    directory: Path
    package: str
    schema: MatewaySchema
    skills: tuple[SkillInfo, ...]
    settings: ServiceSettings
    provider_settings: dict[str, dict[str, Any]]
    health: HealthChecker
    registry: CollectorRegistry
    asgi: Starlette = field(repr=False)

    @property
    def name(self) -> str:
        """The app's name from app.yml."""
        return self.manifest.name


def package_of(app_dir: Path) -> str:
    """The dotted package of a folder, found by walking up while `__init__.py` files exist."""
    app_dir = app_dir.resolve()
    if not (app_dir / "__init__.py").is_file():
        raise ManifestError(app_dir / MANIFEST_FILE, [f"{app_dir} is not a Python package"])
    parts = [app_dir.name]
    parent = app_dir.parent
    while (parent / "__init__.py").is_file():
        parts.append(parent.name)
        parent = parent.parent
    return ".".join(reversed(parts))


def load_schema(package: str) -> MatewaySchema:
    """Import `<package>.schema` and return its `schema`, which must be a MatewaySchema."""
    module = importlib.import_module(f"{package}.schema")
    schema = getattr(module, "schema", None)
    if not isinstance(schema, MatewaySchema):
        raise TypeError(
            f"{package}.schema.schema must be a shared.errors.MatewaySchema, "
            f"got {type(schema).__name__}"
        )
    return schema


class TracingMiddleware:
    """Runs each HTTP request in a SERVER span continuing the caller's `traceparent`."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in ("/health", "/metrics"):
            await self.app(scope, receive, send)
            return
        headers = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        name = f"{self.service} {scope['method']} {scope['path']}"
        with server_span(name, headers, {"mateway.app": self.service}):
            await self.app(scope, receive, send)


def build_asgi(
    manifest: AppManifest,
    schema: MatewaySchema,
    health: HealthChecker,
    registry: CollectorRegistry,
    settings: ServiceSettings | None = None,
) -> Starlette:
    """The app's Starlette app: /graphql, /health, /metrics, with metrics and tracing.

    /graphql answers only callers with the router's internal token (shared.auth.subgraph);
    resolvers find the verified caller in `info.context["identity"]`.
    """
    # Multipart on: without it Strawberry runs a multipart upload as a plain query (FACTS.md);
    # only the router (internal token) can call /graphql, and it checks CSRF and sizes first.
    graphql = IdentityGraphQL(
        schema,
        graphql_ide=None,
        subscription_protocols=SUBSCRIPTION_PROTOCOLS,
        multipart_uploads_enabled=True,
    )
    metrics = RequestMetrics(registry, prefix=f"mateway_app_{manifest.name}")
    routes = [
        # Route and WebSocketRoute (not Mount): Mount would redirect /graphql to /graphql/.
        Route("/graphql", graphql),
        WebSocketRoute("/graphql", graphql),
        Route("/health", health_endpoint(health), methods=["GET"]),
        Route("/metrics", metrics_endpoint(registry), methods=["GET"]),
    ]
    middleware = [
        Middleware(MetricsMiddleware, metrics=metrics),
        Middleware(TracingMiddleware, service=manifest.name),
        # Innermost, so refused calls are still measured and traced.
        Middleware(InternalTokenMiddleware, settings=settings or ServiceSettings()),
    ]
    return Starlette(routes=routes, middleware=middleware)


def create_app(
    app_dir: Path | str,
    checks: Mapping[str, HealthCheck] | None = None,
    settings_class: type[ServiceSettings] = ServiceSettings,
) -> AppBundle:
    """Load `app_dir/app.yml` and `schema.py`, check skills and providers, build the ASGI app.

    `settings_class` is the app's settings (a ServiceSettings subclass); app.yml's `settings:`
    fill it below the environment. `checks` are the app's dependency health checks.
    """
    directory = Path(app_dir).resolve()
    source = directory / MANIFEST_FILE
    manifest = load_manifest(source)
    settings = load_app_settings(settings_class, manifest, source)
    provider_settings = provider_settings_schemas(manifest, source)
    package = package_of(directory)
    schema = load_schema(package)
    skills = app_skills(manifest, schema._schema, package, source)
    check_skill_directives(manifest, schema.as_str(), source)
    health = HealthChecker(manifest.name, checks)
    registry = create_registry()
    asgi = build_asgi(manifest, schema, health, registry, settings)
    bundle = AppBundle(
        manifest=manifest,
        directory=directory,
        package=package,
        schema=schema,
        skills=skills,
        settings=settings,
        provider_settings=provider_settings,
        health=health,
        registry=registry,
        asgi=asgi,
    )
    asgi.state.bundle = bundle  # lets the router find the bundle behind a `module:` entry
    return bundle


def bundle_of(asgi: Any) -> AppBundle | None:
    """The AppBundle behind an ASGI app built by `create_app`, or None for other apps."""
    state = getattr(asgi, "state", None)
    bundle = getattr(state, "bundle", None)
    return bundle if isinstance(bundle, AppBundle) else None


@dataclass(frozen=True)
class DiscoveredApp:
    """An app folder with a valid app.yml."""

    manifest: AppManifest
    directory: Path

    @property
    def name(self) -> str:
        """The app's name."""
        return self.manifest.name

    @property
    def module(self) -> str:
        """The supergraph.yaml `module:` reference of the app's ASGI app."""
        return f"{package_of(self.directory)}.app:app"


def discover_apps(
    root: Path | str = "subgraphs", enabled: Collection[str] | None = None
) -> list[DiscoveredApp]:
    """The app folders under `root` holding an app.yml (all, or only the `enabled` names).

    An invalid app.yml raises ManifestError rather than hiding the app; an enabled name
    without a folder raises too, so a typo in config is not a silently missing app.
    """
    folders = sorted(
        path for path in Path(root).iterdir() if path.is_dir() and (path / MANIFEST_FILE).is_file()
    )
    apps = [DiscoveredApp(load_manifest(folder / MANIFEST_FILE), folder) for folder in folders]
    if enabled is None:
        return apps
    missing = sorted(set(enabled) - {app.name for app in apps})
    if missing:
        raise ValueError(f"enabled apps {missing} have no folder with an app.yml under {root}")
    return [app for app in apps if app.name in enabled]
