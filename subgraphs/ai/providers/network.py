"""Provider connections on asyncio's own transports, under httpx/httpcore.

httpcore's default network backend goes through anyio: every socket read opens a cancel scope,
looks up the running async library, and pauses and resumes the socket's reader. A streamed
reply reads once per token, so that was a third of the cost of each chunk. This backend keeps
httpcore's HTTP/1.1 and pool, and reads from an asyncio Protocol's buffer: a read with data
waiting returns at once, one without waits on a single future.
"""

# The `timeout` parameters are httpcore's network interface, not a choice made here.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

# httpcore's own socket option type (its module is private).
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)
_HIGH_WATER = 256 * 1024  # buffered bytes at which the socket stops being read


class _Buffer(asyncio.Protocol):
    """Bytes received and not yet read, and how the connection ended."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.eof = False
        self.error: BaseException | None = None
        self.paused = False
        self.waiter: asyncio.Future[None] | None = None
        self.drained: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)
        if self.size >= _HIGH_WATER and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake()
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def pause_writing(self) -> None:
        self.drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)
        self.drained = None

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection: reads from the protocol's buffer, writes to the transport."""

    def __init__(self, transport: asyncio.Transport, buffer: _Buffer) -> None:
        self._transport = transport
        self._buffer = buffer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Buffered bytes (at most `max_bytes`); b"" at the end of the stream."""
        buffer = self._buffer
        if not buffer.chunks and not buffer.eof:
            buffer.waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await buffer.waiter
            except TimeoutError:
                raise httpcore.ReadTimeout("timed out reading from the provider") from None
            finally:
                buffer.waiter = None
        if not buffer.chunks:
            if buffer.error is not None:
                raise httpcore.ReadError(str(buffer.error)) from buffer.error
            return b""
        chunk = buffer.chunks.popleft()
        if len(chunk) > max_bytes:
            buffer.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        buffer.size -= len(chunk)
        if buffer.paused and buffer.size < _HIGH_WATER // 2:
            buffer.paused = False
            self._transport.resume_reading()
        return chunk

    async def write(self, data: bytes, timeout: float | None = None) -> None:
        """Sends `data`, waiting while the socket's send buffer is full."""
        if not data:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(data)
        drained = self._buffer.drained
        if drained is not None:
            try:
                async with asyncio.timeout(timeout):
                    await drained
            except TimeoutError:
                raise httpcore.WriteTimeout("timed out writing to the provider") from None
        if self._buffer.error is not None:
            raise httpcore.WriteError(str(self._buffer.error)) from self._buffer.error

    async def aclose(self) -> None:
        """Closes the connection."""
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """The same connection, now speaking TLS."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._buffer, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from None
        except (OSError, ssl.SSLError, ConnectionError) as error:
            self._transport.close()
            raise httpcore.ConnectError(str(error)) from error
        if transport is None:
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        self._buffer.transport = transport
        return AsyncioStream(transport, self._buffer)

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks of a connection (TLS object, addresses, idle readability)."""
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        if info == "is_readable":
            # An idle pooled connection with bytes or an end waiting: the server closed it.
            return bool(self._buffer.chunks) or self._buffer.eof
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens provider connections with asyncio's `create_connection`."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """A new TCP connection (TCP_NODELAY, as asyncio sets it)."""
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                transport, buffer = await loop.create_connection(
                    _Buffer, host, port, local_addr=local
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from error
        _apply(transport, socket_options)
        assert isinstance(transport, asyncio.Transport)
        return AsyncioStream(transport, buffer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """A new Unix socket connection."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, buffer = await loop.create_unix_connection(_Buffer, path)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out connecting to {path}") from None
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from error
        _apply(transport, socket_options)
        assert isinstance(transport, asyncio.Transport)
        return AsyncioStream(transport, buffer)

    async def sleep(self, seconds: float) -> None:
        """Waits (httpcore's retries)."""
        await asyncio.sleep(seconds)


def _apply(transport: asyncio.BaseTransport, options: Iterable[SocketOption] | None) -> None:
    sock: socket.socket | None = transport.get_extra_info("socket")
    for option in options or ():
        if sock is not None:
            sock.setsockopt(*option)


class AsyncioHTTPTransport(httpx.AsyncHTTPTransport):
    """httpx's HTTP transport (request and error mapping) over a pool on `AsyncioBackend`;
    TLS verified as httpx does unless `ssl_context` is given."""

    def __init__(self, limits: httpx.Limits, ssl_context: ssl.SSLContext | None = None) -> None:
        # Not super().__init__: it would build a pool on the default backend only to drop it.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncioBackend(),
        )
