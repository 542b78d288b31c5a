"""ASGI lifespan for in-process subgraphs: their startup runs with the router's, shutdown too.

httpx's ASGI transport never sends lifespan events, so a subgraph that opens its
database pool or Redis client on startup would otherwise never do so inside the
router. Apps that do not speak lifespan (they raise on the scope, as Strawberry's
``GraphQL`` does) are treated as needing none, as uvicorn's ``lifespan="auto"`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


class SubgraphLifespanError(RuntimeError):
    """An in-process subgraph reported that its startup failed."""


class AppLifespan:
    """Drives one ASGI app's lifespan protocol: ``startup`` then, later, ``shutdown``."""

    def __init__(self, name: str, app: Any) -> None:
        self.name = name
        self._app = app
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.supported = False

    async def startup(self, wait_seconds: float = 30.0) -> None:
        """Runs the app's startup; SubgraphLifespanError when it reports a failure."""
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self._task = asyncio.create_task(self._run(scope))
        await self._to_app.put({"type": "lifespan.startup"})
        async with asyncio.timeout(wait_seconds):
            message = await self._from_app.get()
        if message["type"] == "lifespan.startup.failed":
            raise SubgraphLifespanError(f"subgraph '{self.name}': {message.get('message', '')}")
        self.supported = message["type"] == "lifespan.startup.complete"

    async def shutdown(self, wait_seconds: float = 10.0) -> None:
        """Runs the app's shutdown (when it took part in startup) and ends its task."""
        if self._task is None:
            return
        if self.supported:
            await self._to_app.put({"type": "lifespan.shutdown"})
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_seconds):
                    await self._from_app.get()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task

    async def _run(self, scope: dict[str, Any]) -> None:
        try:
            await self._app(scope, self._to_app.get, self._from_app.put)
        except Exception:  # no lifespan support: nothing to start or stop
            await self._from_app.put({"type": "lifespan.unsupported"})
            return
        # The app returned without answering (also "unsupported" in ASGI terms).
        await self._from_app.put({"type": "lifespan.unsupported"})
