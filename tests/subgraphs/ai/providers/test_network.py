"""Provider connections on asyncio transports: plain and TLS, large bodies, closed idle
connections, and the errors httpx users expect."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from subgraphs.ai.providers.network import AsyncioHTTPTransport
from subgraphs.ai.providers.transport import Timeouts, http_client

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4)


@asynccontextmanager
async def server(handler: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    """A local TCP server answering with `handler`; yields its port."""
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await handler(reader, writer)

    listening = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls)
    try:
        yield listening.sockets[0].getsockname()[1]
    finally:
        listening.close()
        for writer in writers:
            writer.close()
        await listening.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> None:
    while (await reader.readline()) not in (b"\r\n", b""):
        pass


def answer(body: bytes, close: bool = False) -> bytes:
    connection = b"close" if close else b"keep-alive"
    head = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\nconnection: %s\r\n\r\n"
    return head % (len(body), connection) + body


def certificate(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: (server context, client context trusting it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert_file, key_file)
    client_side = ssl.create_default_context(cafile=str(cert_file))
    return server_side, client_side


async def test_https_request_goes_through_the_tls_handshake(tmp_path: Path) -> None:
    server_side, client_side = certificate(tmp_path)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b"over tls"))
        await writer.drain()

    async with server(handler, tls=server_side) as port:
        transport = AsyncioHTTPTransport(LIMITS, ssl_context=client_side)
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.get(f"https://localhost:{port}/")
    assert response.text == "over tls"


async def test_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    server_side, _ = certificate(tmp_path)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    async with (
        server(handler, tls=server_side) as port,
        httpx.AsyncClient(transport=AsyncioHTTPTransport(LIMITS)) as client,
    ):
        with pytest.raises(httpx.ConnectError):
            await client.get(f"https://localhost:{port}/")


async def test_a_body_larger_than_the_buffer_arrives_whole() -> None:
    body = bytes(range(256)) * 8192  # 2 MiB: reading pauses and resumes on the way

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(body))
        await writer.drain()

    received = b""
    async with (
        server(handler) as port,
        httpx.AsyncClient(transport=AsyncioHTTPTransport(LIMITS)) as client,
        client.stream("GET", f"http://127.0.0.1:{port}/") as response,
    ):
        async for chunk in response.aiter_raw():
            received += chunk
            await asyncio.sleep(0.001)  # a slow reader lets the buffer fill
    assert received == body


async def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await read_request(reader)
        writer.write(answer(b"once"))  # keep-alive promised, then closed anyway
        await writer.drain()
        writer.close()

    async with (
        server(handler) as port,
        httpx.AsyncClient(transport=AsyncioHTTPTransport(LIMITS)) as client,
    ):
        first = await client.get(f"http://127.0.0.1:{port}/")
        await asyncio.sleep(0.05)  # the close reaches the idle pooled connection
        second = await client.get(f"http://127.0.0.1:{port}/")
    assert (first.text, second.text, connections) == ("once", "once", 2)


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with server(read_request_only) as port:
        pass  # closed: nothing listens on the port any more
    async with httpx.AsyncClient(transport=AsyncioHTTPTransport(LIMITS)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")


async def test_a_stalled_response_is_a_read_timeout() -> None:
    async with server(read_request_only) as port:
        transport = AsyncioHTTPTransport(LIMITS)
        async with httpx.AsyncClient(transport=transport, timeout=0.2) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(f"http://127.0.0.1:{port}/")


async def test_a_connection_cut_mid_body_is_a_protocol_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part")
        await writer.drain()
        writer.close()

    async with (
        server(handler) as port,
        httpx.AsyncClient(transport=AsyncioHTTPTransport(LIMITS)) as client,
    ):
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"http://127.0.0.1:{port}/")


async def read_request_only(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    await reader.read()  # never answers; returns when the client hangs up


async def test_provider_clients_go_through_a_proxy_named_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readline())
        await read_request(reader)
        writer.write(answer(b"via proxy", close=True))
        await writer.drain()

    async with server(proxy) as port:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with http_client(Timeouts(connect=2)) as client:
            response = await client.get("http://llm.example/v1/models")
    assert response.text == "via proxy"
    assert seen == [b"GET http://llm.example/v1/models HTTP/1.1\r\n"]


async def test_provider_clients_without_a_proxy_connect_directly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b"direct"))
        await writer.drain()

    async with server(handler) as port, http_client(Timeouts(connect=2)) as client:
        response = await client.get(f"http://127.0.0.1:{port}/")
    assert response.text == "direct"
