"""The mates app's long-lived parts: settings and the Directus client (made on first use).

Made on first use, not at import: composing the supergraph imports the app without any
Directus, and an httpx pool belongs to the event loop that opened it.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from shared.directus.client import DirectusClient
from shared.directus.errors import DirectusError
from shared.errors import ErrorCode, MatewayError
from subgraphs.mates.settings import MatesSettings

logger = logging.getLogger("mateway.mates")


class MatesRuntime:
    """What resolvers share across requests; one per process (see `current_runtime`)."""

    def __init__(
        self, settings: MatesSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._client: DirectusClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tool_apps: frozenset[str] | None = None

    def _open(self) -> DirectusClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # A pool opened on another (finished) loop cannot be reused; it is dropped.
            self._client = DirectusClient.from_settings(self.settings, transport=self._transport)
            self._loop = loop
        return self._client

    def directus(self) -> DirectusClient:
        """The Directus client; UNAVAILABLE when none is configured."""
        try:
            return self._open()
        except DirectusError as exc:
            logger.error("mates: %s", exc)  # the detail is for the operator, not clients
            raise MatewayError(ErrorCode.UNAVAILABLE, "The database is not available") from exc

    def tool_apps(self) -> frozenset[str]:
        """The installed apps a mate may use (read once)."""
        if self._tool_apps is None:
            self._tool_apps = self.settings.tool_apps()
        return self._tool_apps

    async def directus_up(self) -> bool:
        """Health check: Directus answers `/server/ping`."""
        try:
            return await self._open().ping()
        except DirectusError:
            return False

    async def aclose(self) -> None:
        """Close the Directus client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


_current: list[MatesRuntime] = []


def current_runtime() -> MatesRuntime:
    """The process's MatesRuntime, built from MatesSettings on first use."""
    if not _current:
        _current.append(MatesRuntime(MatesSettings.load()))
    return _current[0]


def use_runtime(runtime: MatesRuntime | None) -> None:
    """Make `runtime` the process's MatesRuntime (None: build it from settings on next use)."""
    _current[:] = [runtime] if runtime is not None else []
