"""The core app's long-lived parts: settings, the Directus client, Redis, the email sender.

The Directus client is made on first use, not at import: composing the supergraph imports
the app without any Directus, and an httpx pool belongs to the event loop that opened it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import httpx
from redis.asyncio import Redis

from shared.directus.client import DirectusClient
from shared.directus.errors import DirectusError
from shared.email import EmailSender, create_sender
from shared.errors import ErrorCode, MatewayError
from shared.redis import create_redis
from subgraphs.core.accounts.service import AccountService, finish_background_work
from subgraphs.core.invites import InviteStore, utc_now
from subgraphs.core.settings import CoreSettings

logger = logging.getLogger("mateway.core")


class CoreService:
    """What resolvers share across requests; one per process (see `current_service`)."""

    def __init__(
        self,
        settings: CoreSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        email_sender: EmailSender | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._client: DirectusClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._redis: Redis | None = None
        self._sender = email_sender
        self._clock = clock

    def _open(self) -> DirectusClient:
        """The client of the running loop; DirectusError when no Directus is configured."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # A pool opened on another (finished) loop cannot be reused; it is dropped.
            self._client = DirectusClient.from_settings(self.settings, transport=self._transport)
            self._redis = None
            self._loop = loop
        return self._client

    def directus(self) -> DirectusClient:
        """The Directus client (made on first use); UNAVAILABLE when none is configured."""
        try:
            return self._open()
        except DirectusError as exc:
            # The detail is for the operator (and /health), not for API clients.
            logger.error("core: %s", exc)
            raise MatewayError(ErrorCode.UNAVAILABLE, "The database is not available") from exc

    def invites(self) -> InviteStore:
        """The invite codes, keyed with the configured invite key."""
        return InviteStore(self.directus(), self.settings.invite_key())

    def redis(self) -> Redis:
        """The Redis client of the running loop (throttling, single-use marks, locks)."""
        self._open()  # one loop check for both clients: they are replaced together
        if self._redis is None:
            self._redis = create_redis(self.settings.redis_url)
        return self._redis

    def email_sender(self) -> EmailSender:
        """The configured email provider (made on first use)."""
        if self._sender is None:
            self._sender = create_sender(self.settings.email)
        return self._sender

    def accounts(self) -> AccountService:
        """The account operations on this service's clients."""
        return AccountService(
            self.settings, self.directus(), self.redis(), self.email_sender(), self._clock
        )

    async def directus_up(self) -> bool:
        """Health check: Directus answers `/server/ping`."""
        return await self._open().ping()

    async def aclose(self) -> None:
        """Finish emails still being sent, then close the clients."""
        await finish_background_work()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        if self._sender is not None:
            await self._sender.aclose()


_current: list[CoreService] = []


def current_service() -> CoreService:
    """The process's CoreService, built from CoreSettings on first use."""
    if not _current:
        _current.append(CoreService(CoreSettings.load()))
    return _current[0]


def use_service(service: CoreService | None) -> None:
    """Make `service` the process's CoreService (None: build it from settings on next use)."""
    _current[:] = [service] if service is not None else []
