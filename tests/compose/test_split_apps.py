"""The compose commands on real processes: an app served alone and a router reaching it by URL.

What apps.docker-compose.yml does in containers, here on loopback: `python -m subgraphs.mates`
as its own server, and `python -m router serve --config` with a supergraph.yaml that gives
mates by `url:`; the image's health check script then sees both healthy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from shared.directus.runtime import DirectusServer
from tests.compose.conftest import COMPOSE_DIR, ROOT
from tests.shared.conftest import ValkeyServer
from tests.support.directus import directus_template, platform_directus, start_empty_directus
from tests.support.ports import free_port, wait_for_port

__all__ = ["directus_template", "platform_directus", "start_empty_directus"]

HEALTHCHECK = COMPOSE_DIR / "healthcheck.py"


def _compose_command(service: str, file: str) -> list[str]:
    command: list[str] = yaml.safe_load((COMPOSE_DIR / file).read_text())["services"][service][
        "command"
    ]
    return command


def _on_port(command: list[str], port: int, config: Path | None = None) -> list[str]:
    """The compose command, bound to loopback and a free port (and a test config)."""
    args = [sys.executable, *command[1:]]
    args[args.index("--host") + 1] = "127.0.0.1"
    args[args.index("--port") + 1] = str(port)
    if config is not None:
        args[args.index("--config") + 1] = str(config)
    return args


def _start(
    args: list[str], port: int, tmp_path: Path, name: str, services: dict[str, str]
) -> subprocess.Popen[bytes]:
    log = (tmp_path / f"{name}.log").open("wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATEWAY_")}
    env.update(MATEWAY_ENVIRONMENT="production", MATEWAY_LOG_LEVEL="INFO")  # as in compose
    env.update(services)  # compose/.env: where Directus and Redis are, and the token
    # compose/.env gives every service the platform's signing key (identity tokens).
    env["MATEWAY_SIGNING_KEY"] = os.environ["MATEWAY_SIGNING_KEY"]
    process = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=log, env=env)
    try:
        wait_for_port(port, timeout=60, process=process)
    except BaseException:
        _stop(process)
        raise AssertionError((tmp_path / f"{name}.log").read_text()) from None
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def split_stack(tmp_path: Path, platform_directus: DirectusServer) -> Iterator[tuple[int, int]]:
    valkey = ValkeyServer(tmp_path / "valkey")
    valkey.start()
    services = {
        "MATEWAY_DIRECTUS_URL": platform_directus.url,
        "MATEWAY_DIRECTUS_TOKEN": platform_directus.platform_token,
        "MATEWAY_REDIS_URL": valkey.url(),
    }
    mates_port, router_port = free_port(), free_port()
    try:
        mates = _start(
            _on_port(_compose_command("mates", "apps.docker-compose.yml"), mates_port),
            mates_port,
            tmp_path,
            "mates",
            services,
        )
    except BaseException:
        valkey.stop()
        raise
    try:
        config = tmp_path / "supergraph.yaml"
        config.write_text(
            yaml.safe_dump(
                {"subgraphs": {"mates": {"url": f"http://127.0.0.1:{mates_port}/graphql"}}}
            )
        )
        router_command = _compose_command("router", "apps.docker-compose.yml")
        router = _start(
            _on_port(router_command, router_port, config),
            router_port,
            tmp_path,
            "router",
            services,
        )
        try:
            yield mates_port, router_port
        finally:
            _stop(router)
    finally:
        _stop(mates)
        valkey.stop()


def _healthy(url: str) -> bool:
    return subprocess.run([sys.executable, str(HEALTHCHECK), url]).returncode == 0


def test_router_composes_and_queries_an_app_served_alone(split_stack: tuple[int, int]) -> None:
    mates_port, router_port = split_stack
    assert _healthy(f"http://127.0.0.1:{mates_port}/health")
    assert _healthy(f"http://127.0.0.1:{router_port}/health")
    response = httpx.post(
        f"http://127.0.0.1:{router_port}/graphql",
        json={"query": "{ builtinMates { __typename } }"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["builtinMates"], body
