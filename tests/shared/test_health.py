"""Health checks: per-dependency status, timeouts, 503 naming what is down, recovery."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from shared.celery_app import celery_health_check, create_celery_app
from shared.health import HealthChecker, health_endpoint, http_health_check
from shared.redis import create_redis, redis_health_check
from tests.shared.conftest import CeleryWorker, ValkeyServer, free_port


async def get_health(checker: HealthChecker) -> tuple[int, dict[str, Any]]:
    app = Starlette(routes=[Route("/health", health_endpoint(checker))])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        response = await client.get("/health")
    return response.status_code, response.json()


async def up() -> None:
    return None


async def refused() -> None:
    raise ConnectionRefusedError("connection refused")


async def says_no() -> bool:
    return False


async def hangs() -> None:
    await asyncio.sleep(30)


async def test_all_checks_up_is_200_with_each_dependency_named() -> None:
    status, body = await get_health(HealthChecker("core", {"redis": up, "directus": up}))
    assert status == 200
    assert body["status"] == "ok"
    assert body["service"] == "core"
    assert body["down"] == []
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "redis": "up",
        "directus": "up",
    }


async def test_any_check_down_is_503_naming_it_and_its_error() -> None:
    checker = HealthChecker("core", {"redis": up, "directus": refused, "vault": says_no})
    status, body = await get_health(checker)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["down"] == ["directus", "vault"]
    assert body["checks"]["redis"]["status"] == "up"
    assert body["checks"]["directus"] == {
        "status": "down",
        "latency_ms": body["checks"]["directus"]["latency_ms"],
        "error": "ConnectionRefusedError: connection refused",
    }
    assert body["checks"]["vault"]["error"] == "check reported down"


async def test_slow_check_times_out_without_delaying_the_others() -> None:
    checker = HealthChecker("core", {"slow": hangs, "redis": up}, timeout=0.2)
    started = time.perf_counter()
    report = await checker.run()
    assert time.perf_counter() - started < 1.0
    assert report.down == ["slow"]
    assert report.results[0].error == "no answer within 0.2s"


async def test_no_checks_is_healthy() -> None:
    assert (await get_health(HealthChecker("web")))[0] == 200


async def test_valkey_down_is_503_and_back_to_200_after_restart(
    valkey_factory: Callable[[], ValkeyServer],
) -> None:
    server = valkey_factory()
    client = create_redis(server.url(), timeout=0.5)
    checker = HealthChecker("router", {"redis": redis_health_check(client)}, timeout=1.5)
    assert (await get_health(checker))[0] == 200
    server.stop()
    status, body = await get_health(checker)
    assert status == 503
    assert body["down"] == ["redis"]
    server.start()  # same port; the same client reconnects
    status, body = await get_health(checker)
    assert (status, body["down"]) == (200, [])
    await client.aclose()


async def test_celery_worker_or_valkey_down_is_503_naming_it(
    valkey_factory: Callable[[], ValkeyServer],
    celery_worker_factory: Callable[[str], CeleryWorker],
) -> None:
    server = valkey_factory()
    worker = celery_worker_factory(server.url())
    client = create_redis(server.url(), timeout=0.5)
    app = create_celery_app("probe", server.url())
    checks = {"redis": redis_health_check(client), "celery": celery_health_check(app, 1.0)}
    checker = HealthChecker("router", checks, timeout=3.0)
    assert (await get_health(checker))[0] == 200

    worker.stop()
    status, body = await get_health(checker)
    assert (status, body["down"]) == (503, ["celery"])
    worker.start()
    assert (await get_health(checker))[0] == 200

    server.stop()
    started = time.perf_counter()
    status, body = await get_health(checker)
    assert status == 503
    assert "redis" in body["down"]
    assert time.perf_counter() - started < 5.0
    await client.aclose()
    app.close()


async def test_http_check_expects_the_status_and_names_what_it_got() -> None:
    async def ping(_: Request) -> PlainTextResponse:
        return PlainTextResponse("pong")

    upstream = Starlette(routes=[Route("/server/ping", ping)])
    transport = httpx.ASGITransport(app=upstream)
    async with httpx.AsyncClient(transport=transport, base_url="http://directus") as client:
        assert await http_health_check(client, "/server/ping")() is True
        checker = HealthChecker("core", {"directus": http_health_check(client, "/missing")})
        report = await checker.run()
    assert report.down == ["directus"]
    assert report.results[0].error == "RuntimeError: GET /missing answered 404"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}") as client:
        report = await HealthChecker("core", {"directus": http_health_check(client, "/")}).run()
    assert report.down == ["directus"]
    assert report.results[0].error is not None
    assert report.results[0].error.startswith("ConnectError")
