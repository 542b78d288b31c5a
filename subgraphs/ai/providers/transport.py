"""Wire helpers shared by providers: the HTTP client, timeouts, HTTP errors to ProviderError."""

from __future__ import annotations

import asyncio
import email.utils
import time
import urllib.request
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from shared.httpx_client import AsyncClient, unlink_stream
from subgraphs.ai.providers.base import ProviderError, ProviderErrorKind
from subgraphs.ai.providers.pools import PooledTransport


@dataclass(frozen=True)
class Timeouts:
    """Per-provider timeouts in seconds: connecting, the first byte, the gap between chunks."""

    connect: float = 5.0
    first_byte: float = 30.0
    between_chunks: float = 30.0


def http_client(timeouts: Timeouts, max_streams: int = 100) -> httpx.AsyncClient:
    """A pooled client whose read timeout bounds the gap between chunks.

    A streamed reply holds its connection for its whole length, so `max_streams` is how many
    replies a provider serves at once; more wait (up to the connect timeout) for a free one.
    """
    timeout = httpx.Timeout(
        connect=timeouts.connect,
        read=timeouts.between_chunks,
        write=timeouts.connect,
        pool=timeouts.connect,
    )
    if urllib.request.getproxies():
        # httpx applies HTTP(S)_PROXY and NO_PROXY only when it builds the transports itself.
        # Every connection may stay alive: see pools.py for httpcore's keep-alive count.
        limits = httpx.Limits(max_connections=max_streams, max_keepalive_connections=max_streams)
        return AsyncClient(timeout=timeout, limits=limits)
    transport = PooledTransport(max_streams)
    return AsyncClient(timeout=timeout, transport=transport)


def parse_json_data(provider: str, data: str) -> dict[str, Any]:
    """Decode one event's JSON payload; anything else is a malformed stream."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ProviderError(
            ProviderErrorKind.MALFORMED,
            f"{provider} sent a chunk that is not JSON ({exc}): {data[:200]!r}",
            provider=provider,
        ) from None
    if not isinstance(value, dict):
        raise malformed(provider, f"a chunk that is not a JSON object: {data[:200]!r}")
    return value


def malformed(provider: str, what: str) -> ProviderError:
    """A MALFORMED ProviderError saying what the provider sent."""
    return ProviderError(ProviderErrorKind.MALFORMED, f"{provider} sent {what}", provider=provider)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now(), 0.0)


def _status_kind(status: int) -> ProviderErrorKind:
    if status == 429:
        return ProviderErrorKind.RATE_LIMITED
    if status in (401, 403):
        return ProviderErrorKind.AUTH
    if status >= 500 or status in (408, 409):
        # 529 is Anthropic's "overloaded"; 408/409 are transient per both APIs' docs.
        return ProviderErrorKind.UNAVAILABLE
    return ProviderErrorKind.BAD_REQUEST


def error_message(body: bytes) -> str:
    """The message of an OpenAI or Anthropic error body, or the start of the raw body."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:200].decode("utf-8", "replace")
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        kind = error.get("type") or error.get("code")
        return f"{error['message']} ({kind})" if kind else str(error["message"])
    return body[:200].decode("utf-8", "replace")


async def raise_for_status(provider: str, response: httpx.Response) -> None:
    """Raise a typed ProviderError for a non-2xx response (reads its body)."""
    if response.is_success:
        return
    body = await response.aread()
    raise ProviderError(
        _status_kind(response.status_code),
        f"{provider} answered HTTP {response.status_code}: {error_message(body)}",
        provider=provider,
        status=response.status_code,
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )


def stream_error(provider: str, exc: Exception) -> ProviderError:
    """Map a transport failure (timeout, reset, cut stream) to an UNAVAILABLE ProviderError."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        what = "timed out"
    elif isinstance(exc, httpx.RemoteProtocolError):
        what = "closed the stream mid-way"
    else:
        what = "failed"
    return ProviderError(
        ProviderErrorKind.UNAVAILABLE,
        f"{provider} {what}: {type(exc).__name__}: {exc}",
        provider=provider,
    )


@asynccontextmanager
async def open_stream(
    provider: str, client: httpx.AsyncClient, request: httpx.Request, deadline: float
) -> AsyncIterator[httpx.Response]:
    """A streamed 2xx response to `request`, headers by `deadline`; ProviderError on failure.

    Transport errors raised while the caller reads the stream become ProviderErrors
    too, and the response is closed when the caller is done (or stops early).
    """
    try:
        async with asyncio.timeout_at(deadline):
            response = await client.send(request, stream=True)
    except (httpx.HTTPError, TimeoutError) as exc:
        raise stream_error(provider, exc) from exc
    try:
        await raise_for_status(provider, response)
        yield response
    except (httpx.HTTPError, TimeoutError) as exc:
        raise stream_error(provider, exc) from exc
    finally:
        await response.aclose()
        unlink_stream(response)
