"""uvicorn's protocols, left without reference cycles when a WebSocket takes over and closes.

The HTTP protocol and its parser refer to each other (the parser calls the protocol's
`on_*` methods). uvicorn breaks that cycle when the connection is lost, but not when the
connection is upgraded to a WebSocket: from then on nothing uses the HTTP protocol, and the
pair, with the request's headers, is left for the cyclic garbage collector. Every WebSocket
connection left about 30 such objects: three quarters of the router's cyclic garbage in the
AI benchmark (tests/benchmarks/ai, where each reply opens its own connection), and the
collector's passes are what delay the streams there. The router and every app serve with it.

WebSockets are served by websockets' Sans-I/O protocol (uvicorn's `websockets-sansio`): the
legacy one kept four tasks per connection and left its protocol, tasks and streams (about 60
objects) in cycles when a connection closed, half of the router's cyclic garbage in that
benchmark. The Sans-I/O connection's parser is a generator suspended on the next bytes, and
it and the connection refer to each other: closing it when the connection is lost leaves
nothing for the collector.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class HttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that lets go of its parser once the WebSocket protocol took over."""

    def handle_websocket_upgrade(self) -> None:
        """Hand the transport to the WebSocket protocol, then drop the parser (the cycle)."""
        super().handle_websocket_upgrade()
        # Called from data_received after the parser stopped at the upgrade: it is not fed
        # again on this protocol.
        self.parser = None  # type: ignore[assignment]


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets Sans-I/O protocol, its connection's parser closed with the socket."""

    def connection_lost(self, exc: Exception | None) -> None:
        """Tell the app, then close the parser (the cycle with its connection)."""
        super().connection_lost(exc)
        self.conn.parser.close()
