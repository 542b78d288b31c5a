"""Dependency health checks: run them concurrently with a timeout each, report each one's status.

A check is an async callable that raises (or returns False) when its dependency is down.
The `/health` endpoint answers 200 when every check passes and 503 naming what is down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

HealthCheck = Callable[[], Awaitable[object]]

_ERROR_CHARS = 200  # enough to diagnose, short enough not to dump a traceback


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one dependency check."""

    name: str
    up: bool
    latency_ms: float
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The check's entry in the health body."""
        body: dict[str, Any] = {"status": "up" if self.up else "down"}
        body["latency_ms"] = round(self.latency_ms, 2)
        if self.error:
            body["error"] = self.error
        return body


@dataclass(frozen=True)
class HealthReport:
    """All checks of one run."""

    service: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """True when every dependency is up."""
        return all(result.up for result in self.results)

    @property
    def down(self) -> list[str]:
        """Names of the dependencies that are down."""
        return [result.name for result in self.results if not result.up]

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of `/health`."""
        return {
            "status": "ok" if self.healthy else "unavailable",
            "service": self.service,
            "down": self.down,
            "checks": {result.name: result.as_dict() for result in self.results},
        }


class HealthChecker:
    """A named set of dependency checks run together."""

    def __init__(
        self, service: str, checks: Mapping[str, HealthCheck] | None = None, timeout: float = 2.0
    ) -> None:
        self.service = service
        self.checks: dict[str, HealthCheck] = dict(checks or {})
        self.timeout = timeout

    def add(self, name: str, check: HealthCheck) -> None:
        """Register (or replace) a dependency check."""
        self.checks[name] = check

    async def _run_one(self, name: str, check: HealthCheck) -> CheckResult:
        started = time.perf_counter()
        error: str | None = None
        try:
            async with asyncio.timeout(self.timeout):
                outcome = await check()
            if outcome is False:
                error = "check reported down"
        except TimeoutError:
            error = f"no answer within {self.timeout:g}s"
        except Exception as exc:  # any failure of a check means its dependency is down
            error = f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS]
        elapsed = (time.perf_counter() - started) * 1000
        return CheckResult(name, error is None, elapsed, error)

    async def run(self) -> HealthReport:
        """Run every check concurrently and collect the results in registration order."""
        results = await asyncio.gather(
            *(self._run_one(name, check) for name, check in self.checks.items())
        )
        return HealthReport(self.service, list(results))


def http_health_check(client: httpx.AsyncClient, url: str, expect_status: int = 200) -> HealthCheck:
    """A health check that GETs `url` (e.g. Directus `/server/ping`) and expects a status."""

    async def check() -> bool:
        response = await client.get(url)
        if response.status_code != expect_status:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return True

    return check


def health_endpoint(checker: HealthChecker) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint answering 200 when healthy and 503 naming what is down."""

    async def health(_: Request) -> Response:
        report = await checker.run()
        return JSONResponse(report.as_dict(), status_code=200 if report.healthy else 503)

    return health
