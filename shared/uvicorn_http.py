"""uvicorn's httptools protocol, left without a reference cycle when a WebSocket takes over.

The HTTP protocol and its parser refer to each other (the parser calls the protocol's
`on_*` methods). uvicorn breaks that cycle when the connection is lost, but not when the
connection is upgraded to a WebSocket: from then on nothing uses the HTTP protocol, and the
pair, with the request's headers, is left for the cyclic garbage collector. Every WebSocket
connection left about 30 such objects: three quarters of the router's cyclic garbage in the
AI benchmark (tests/benchmarks/ai, where each reply opens its own connection), and the
collector's passes are what delay the streams there. The router and every app serve with it.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that lets go of its parser once the WebSocket protocol took over."""

    def handle_websocket_upgrade(self) -> None:
        """Hand the transport to the WebSocket protocol, then drop the parser (the cycle)."""
        super().handle_websocket_upgrade()
        # Called from data_received after the parser stopped at the upgrade: it is not fed
        # again on this protocol.
        self.parser = None  # type: ignore[assignment]
