"""Blocking health probes of each service, for waiting at start and for `--status`."""

from __future__ import annotations

import socket
from functools import cache

import httpx
from celery import Celery
from redis import Redis

from shared.celery_app import create_celery_app
from shared.platform.settings import PlatformSettings


@cache
def _ping_app(redis_url: str) -> Celery:
    # A client-only app: publishes the ping and reads the replies (1 retry, not forever).
    return create_celery_app("mateway-probe", redis_url, broker_connection_max_retries=1)


def probe(name: str, settings: PlatformSettings, timeout: float = 2.0) -> str | None:
    """None when service `name` is healthy, else a short reason."""
    try:
        if name == "valkey":
            with Redis.from_url(
                settings.stack_redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
            ) as client:
                client.ping()
            return None
        if name == "directus":
            response = httpx.get(f"{settings.directus_base_url}/server/ping", timeout=timeout)
            return None if response.text.strip() == "pong" else f"answered {response.status_code}"
        if name == "worker":
            replies = _ping_app(settings.stack_redis_url).control.ping(timeout=timeout, limit=1)
            return None if replies else "no Celery worker answered the ping"
        if name == "router":
            response = httpx.get(f"{settings.router_url}/health", timeout=timeout * 3)
            if response.status_code == 200:
                return None
            return str(response.json().get("message") or f"/health answered {response.status_code}")
    except Exception as error:  # any failure means "not healthy (yet)"
        return f"{type(error).__name__}: {error}"[:200]
    raise ValueError(f"unknown service {name!r}")


def port_in_use(host: str, port: int) -> bool:
    """True when something listens on host:port (a closing socket in TIME_WAIT does not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False
