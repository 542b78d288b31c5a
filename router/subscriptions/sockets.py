"""WebSockets from the router to a subgraph: in-process ASGI, or a real socket.

In-process apps built by the app kit skip this: their subscriptions run on the schema
(``direct``). Both kinds here offer the same three calls (``send``, ``receive``,
``close``) so the graphql-transport-ws client in ``upstream`` runs unchanged on either.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

PROTOCOL = "graphql-transport-ws"


class SocketClosed(Exception):
    """The subgraph closed the WebSocket (or it could not be opened)."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"WebSocket closed ({code}{': ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


class UpstreamSocket(Protocol):
    """A text WebSocket to a subgraph."""

    async def send(self, text: str) -> None: ...

    async def receive(self) -> str: ...

    async def close(self) -> None: ...


class SocketConnector(Protocol):
    """Opens a new WebSocket to one subgraph, speaking graphql-transport-ws."""

    async def __call__(self, headers: dict[str, str]) -> UpstreamSocket: ...


class AsgiSocket:
    """A WebSocket session with an ASGI app in this process: two queues, no network."""

    def __init__(self, app: Any, scope: dict[str, Any]) -> None:
        self._app = app
        self._scope = scope
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def open(self, wait_seconds: float) -> None:
        """Starts the app's session and waits for it to accept."""
        self._task = asyncio.create_task(self._run())
        await self._to_app.put({"type": "websocket.connect"})
        async with asyncio.timeout(wait_seconds):
            message = await self._from_app.get()
        if message["type"] != "websocket.accept":
            await self.close()
            raise SocketClosed(message.get("code", 1006), message.get("reason") or "refused")

    async def _run(self) -> None:
        try:
            await self._app(self._scope, self._to_app.get, self._from_app.put)
        except Exception as error:  # the app crashed: the client sees a 1011 close
            crash = {"type": "websocket.close", "code": 1011, "reason": str(error)}
            await self._from_app.put(crash)
        finally:
            await self._from_app.put({"type": "websocket.close", "code": 1006, "reason": "gone"})

    async def send(self, text: str) -> None:
        """Sends one text message to the app."""
        if self._closed:
            raise SocketClosed(1006, "closed")
        await self._to_app.put({"type": "websocket.receive", "text": text})

    async def receive(self) -> str:
        """The next text message from the app; SocketClosed when it closed."""
        message = await self._from_app.get()
        if message["type"] == "websocket.send":
            text = message.get("text")
            return text if text is not None else bytes(message.get("bytes") or b"").decode()
        self._closed = True
        raise SocketClosed(message.get("code", 1000), message.get("reason") or "")

    async def close(self) -> None:
        """Tells the app the client left and waits (briefly) for its session to end."""
        self._closed = True
        await self._to_app.put({"type": "websocket.disconnect", "code": 1000})
        if self._task is None:
            return
        try:
            async with asyncio.timeout(2.0):
                await asyncio.shield(self._task)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


class AsgiConnector:
    """Opens in-process WebSockets to an ASGI app at ``path``."""

    def __init__(self, app: Any, path: str = "/graphql", timeout: float = 10.0) -> None:
        self._app = app
        self._path = path
        self._timeout = timeout

    async def __call__(self, headers: dict[str, str]) -> UpstreamSocket:
        """A new accepted session with the app."""
        raw_headers = [(b"host", b"subgraph"), (b"sec-websocket-protocol", PROTOCOL.encode())]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "scheme": "ws",
            "http_version": "1.1",
            "path": self._path,
            "raw_path": self._path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": raw_headers,
            "client": ("127.0.0.1", 0),
            "server": ("subgraph", 80),
            "subprotocols": [PROTOCOL],
            "extensions": {},
            "state": {},
        }
        socket = AsgiSocket(self._app, scope)
        await socket.open(self._timeout)
        return socket


class NetworkSocket:
    """A real WebSocket (the ``websockets`` client)."""

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection

    async def send(self, text: str) -> None:
        """Sends one text message."""
        try:
            await self._connection.send(text)
        except ConnectionClosed as error:
            raise SocketClosed(error.rcvd.code if error.rcvd else 1006) from error

    async def receive(self) -> str:
        """The next text message; SocketClosed when the subgraph closed."""
        try:
            message = await self._connection.recv()
        except ConnectionClosed as error:
            code, reason = (error.rcvd.code, error.rcvd.reason) if error.rcvd else (1006, "")
            raise SocketClosed(code, reason) from error
        return message if isinstance(message, str) else message.decode()

    async def close(self) -> None:
        """Closes the connection (bounded wait for the closing handshake)."""
        await self._connection.close()


class NetworkConnector:
    """Opens WebSockets to a subgraph's URL (``http`` becomes ``ws``)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = "ws" + url.removeprefix("http") if url.startswith("http") else url
        self._timeout = timeout

    async def __call__(self, headers: dict[str, str]) -> UpstreamSocket:
        """A new open connection; SocketClosed when the subgraph cannot be reached."""
        try:
            connection = await connect(
                self.url,
                subprotocols=[Subprotocol(PROTOCOL)],
                additional_headers=headers or None,
                open_timeout=self._timeout,
                close_timeout=2.0,
                max_size=16 * 1024 * 1024,
            )
        except (OSError, InvalidHandshake, TimeoutError) as error:
            raise SocketClosed(1006, f"cannot connect to {self.url}: {error}") from error
        return NetworkSocket(connection)
