"""Ending an open streamed operation from the server side (its caller was revoked).

A transport (graphql-transport-ws, graphql-sse) gives each operation a ``StreamEnder`` in
``ctx.state[ENDER]`` before preparing it. A plugin that learns the operation may no longer
run (plugins.identity: a revoked session, a disabled user, an expired token) calls
``end(errors)``: the ender cancels the task that consumes the stream, exactly as a
client's ``complete`` or disconnect does, so the normal clean-up runs (the subgraph
subscription is closed, Stage.STREAM_END settles credits); the transport then sends the
errors as the stream's last payload and completes it. Nothing is checked per event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from router.pipeline import RequestContext

ENDER = "stream_ender"
Errors = list[dict[str, Any]]


class StreamEnder:
    """One streamed operation's off switch: a plugin ends it, the transport tells the client."""

    __slots__ = ("_finishers", "_task", "errors")

    def __init__(self) -> None:
        self.errors: Errors | None = None  # set once the server ended the operation
        self._task: asyncio.Task[Any] | None = None
        self._finishers: list[Callable[[], None]] = []

    def attach(self, task: asyncio.Task[Any]) -> None:
        """The task consuming the stream; cancelled at once when the operation already ended."""
        self._task = task
        if self.errors is not None:
            task.cancel()

    def end(self, errors: Errors) -> None:
        """Ends the operation with these errors (the first call wins; later ones do nothing)."""
        if self.errors is not None:
            return
        self.errors = errors
        # Before attach (still preparing) the cancel waits for attach: the stream then
        # starts and is closed through its own clean-up, so what PLAN_READY reserved is settled.
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def on_finish(self, callback: Callable[[], None]) -> None:
        """Runs `callback` when the operation is over, however it ended (unregistering)."""
        self._finishers.append(callback)

    def finish(self) -> None:
        """The transport's last word on the operation: runs the finish callbacks once."""
        finishers, self._finishers = self._finishers, []
        for callback in finishers:
            callback()


def ender_of(ctx: RequestContext) -> StreamEnder | None:
    """The operation's ender when it is streamed by a transport that supports ending."""
    ender = ctx.state.get(ENDER)
    return ender if isinstance(ender, StreamEnder) else None


def ended_by_server(ender: StreamEnder | None) -> Errors | None:
    """The errors to send when the current task's cancellation came from ``end``; else None.

    Called in an ``except CancelledError``: the cancellation is withdrawn (the task goes on
    to tell its client) only when the server ended the operation, never for a client leaving.
    """
    if ender is None or ender.errors is None:
        return None
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        task.uncancel()
    return ender.errors
