"""The async Directus client of the request path: items, users, files, health, dataloaders.

One `DirectusClient` per process (it holds a connection pool), a static token, a timeout per
call, at most `max_connections` calls in flight (the rest wait their turn here: httpcore's pool
does work in its queue length times its connection count on every request, and Node serves
one request at a time anyway), and retries with exponential backoff and full jitter for
idempotent methods only (GET, HEAD, PUT, DELETE): a POST or PATCH that timed out may have
been applied, so sending it again could create a second row. Failures raise
`DirectusApiError` (a `MatewayError`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

import httpx
import orjson

from shared.directus.access import DirectusServiceSettings, resolve_access
from shared.directus.api_errors import (
    DirectusApiError,
    error_from_response,
    error_from_transport,
)
from shared.directus.batching import CreateBatcher
from shared.health import HealthCheck
from shared.httpx_client import AsyncClient

logger = logging.getLogger("mateway.directus")

Item = dict[str, Any]
Filter = Mapping[str, Any]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "SEARCH"})
# Answers that mean "not now" rather than "never": worth another try for an idempotent call.
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently idempotent calls are retried."""

    retries: int = 2
    base_delay: float = 0.1
    max_delay: float = 2.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `attempt` (0-based): full jitter, capped."""
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        jittered = random.uniform(0, ceiling)  # spreads load; not a secret
        if retry_after is not None:
            return min(self.max_delay, max(jittered, retry_after))
        return jittered


def _retry_after(response: httpx.Response) -> float | None:
    """A `Retry-After` header given in seconds, if any."""
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def collection_path(collection: str) -> str:
    """The REST path of a collection: `/items/<name>`, or `/users` for `directus_users`."""
    if collection.startswith("directus_"):
        return "/" + collection.removeprefix("directus_")
    return f"/items/{collection}"


def query_params(
    *,
    filter: Filter | None = None,
    fields: Sequence[str] | None = None,
    sort: Sequence[str] | None = None,
    limit: int | None = None,
    offset: int | None = None,
    search: str | None = None,
) -> dict[str, str]:
    """Directus's query parameters (`filter` as JSON, lists comma-joined)."""
    params: dict[str, str] = {}
    if filter is not None:
        params["filter"] = orjson.dumps(filter).decode()
    if fields:
        params["fields"] = ",".join(fields)
    if sort:
        params["sort"] = ",".join(sort)
    if limit is not None:
        params["limit"] = str(limit)
    if offset is not None:
        params["offset"] = str(offset)
    if search is not None:
        params["search"] = search
    return params


class DirectusClient:
    """Calls Directus's REST API with a static token; see the module docstring."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 32,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        # Every connection stays open: closing idle ones past httpx's default keep-alive
        # count (20) meant a new TCP connection for most calls of a burst.
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._slots = asyncio.Semaphore(max_connections)
        self._batchers: dict[str, CreateBatcher] = {}
        self._http = AsyncClient(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
            limits=limits,
        )

    @classmethod
    def from_settings(cls, settings: DirectusServiceSettings, **kwargs: Any) -> DirectusClient:
        """A client for the Directus and token the settings name (or the local data folder)."""
        access = resolve_access(settings)
        kwargs.setdefault("timeout", settings.directus_timeout_seconds)
        kwargs.setdefault("retry", RetryPolicy(retries=settings.directus_retries))
        return cls(access.url, access.token, **kwargs)

    async def aclose(self) -> None:
        """Send the rows `add_item` holds, then close the connection pool."""
        for batcher in self._batchers.values():
            await batcher.drain()
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    # -- transport ---------------------------------------------------------------------

    async def request(
        self, method: str, path: str, *, timeout_seconds: float | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send one call (retrying idempotent ones); raise DirectusApiError on failure."""
        method = method.upper()
        seconds = self.timeout if timeout_seconds is None else timeout_seconds
        call = f"{method} {path}"
        retries = self.retry.retries if method in IDEMPOTENT_METHODS else 0
        for attempt in range(retries + 1):
            last = attempt == retries
            try:
                response = await self._send(method, path, seconds, **kwargs)
            except httpx.HTTPError as exc:
                if last:
                    raise error_from_transport(call, exc, seconds) from exc
                await self._before_retry(call, attempt, type(exc).__name__)
                continue
            if response.status_code < 400:
                return response
            if last or response.status_code not in RETRY_STATUSES:
                raise error_from_response(call, response)
            await self._before_retry(
                call, attempt, f"HTTP {response.status_code}", _retry_after(response)
            )
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send(self, method: str, path: str, seconds: float, **kwargs: Any) -> httpx.Response:
        """One HTTP call once a slot is free; waiting counts as httpx's pool timeout."""
        try:
            async with asyncio.timeout(seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout(f"no free connection within {seconds:g} s") from None
        try:
            return await self._http.request(method, path, timeout=seconds, **kwargs)
        finally:
            self._slots.release()

    async def _before_retry(
        self, call: str, attempt: int, cause: str, retry_after: float | None = None
    ) -> None:
        delay = self.retry.delay(attempt, retry_after)
        logger.warning(
            "directus call retried",
            extra={"call": call, "cause": cause, "attempt": attempt + 1, "delay_s": delay},
        )
        await asyncio.sleep(delay)

    async def data(self, method: str, path: str, **kwargs: Any) -> Any:
        """The `data` member of a JSON answer (None for an empty answer)."""
        response = await self.request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return orjson.loads(response.content).get("data")

    # -- health ------------------------------------------------------------------------

    async def ping(self, timeout_seconds: float = 2.0) -> bool:
        """True when `GET /server/ping` answers pong (no retry: health must be quick)."""
        try:
            response = await self._http.get("/server/ping", timeout=timeout_seconds)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and response.text.strip() == "pong"

    def health_check(self) -> HealthCheck:
        """A check for `HealthChecker` that fails when Directus does not answer pong."""

        async def check() -> bool:
            return await self.ping()

        return check

    # -- items -------------------------------------------------------------------------

    async def read_items(
        self,
        collection: str,
        *,
        filter: Filter | None = None,
        fields: Sequence[str] | None = None,
        sort: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        search: str | None = None,
        timeout_seconds: float | None = None,
    ) -> list[Item]:
        """Rows of a collection; Directus returns 100 unless `limit` says otherwise (-1: all)."""
        params = query_params(
            filter=filter, fields=fields, sort=sort, limit=limit, offset=offset, search=search
        )
        rows = await self.data(
            "GET", collection_path(collection), params=params, timeout_seconds=timeout_seconds
        )
        return list(rows or [])

    async def read_item(
        self,
        collection: str,
        id: str | int,
        *,
        fields: Sequence[str] | None = None,
        timeout_seconds: float | None = None,
    ) -> Item | None:
        """One row by primary key, or None when there is none.

        Filtered instead of `/items/<c>/<id>`, which answers 403 for a missing row (Directus
        hides whether it exists), so "missing" and "not allowed" stay distinguishable.
        """
        rows = await self.read_items(
            collection,
            filter={"id": {"_eq": id}},
            fields=fields,
            limit=1,
            timeout_seconds=timeout_seconds,
        )
        return rows[0] if rows else None

    async def create_item(
        self, collection: str, data: Mapping[str, Any], *, timeout_seconds: float | None = None
    ) -> Item:
        """Create one row and return it as stored (with its id and defaults)."""
        item: Item = await self.data(
            "POST", collection_path(collection), json=dict(data), timeout_seconds=timeout_seconds
        )
        return item

    async def create_items(
        self,
        collection: str,
        rows: Iterable[Mapping[str, Any]],
        *,
        fields: Sequence[str] | None = None,
        timeout_seconds: float | None = None,
    ) -> list[Item]:
        """Create several rows in one call (all or none); `fields` picks what comes back."""
        payload = [dict(row) for row in rows]
        items = await self.data(
            "POST",
            collection_path(collection),
            json=payload,
            params=query_params(fields=fields),
            timeout_seconds=timeout_seconds,
        )
        return list(items or [])

    async def add_item(self, collection: str, data: Mapping[str, Any]) -> None:
        """Create one row, not read back; concurrent adds to a collection share calls.

        See shared/directus/batching.py. Raises as `create_item` does for this row.
        """
        batcher = self._batchers.get(collection)
        if batcher is None:
            batcher = self._batchers[collection] = CreateBatcher(self, collection)
        await batcher.create(data)

    async def update_item(
        self,
        collection: str,
        id: str | int,
        data: Mapping[str, Any],
        *,
        timeout_seconds: float | None = None,
    ) -> Item:
        """Change some fields of one row and return the row."""
        path = f"{collection_path(collection)}/{id}"
        item: Item = await self.data(
            "PATCH", path, json=dict(data), timeout_seconds=timeout_seconds
        )
        return item

    async def delete_item(
        self, collection: str, id: str | int, *, timeout_seconds: float | None = None
    ) -> None:
        """Delete one row (Directus answers 403 when it does not exist)."""
        await self.request(
            "DELETE", f"{collection_path(collection)}/{id}", timeout_seconds=timeout_seconds
        )

    # -- users -------------------------------------------------------------------------

    async def read_users(self, **query: Any) -> list[Item]:
        """Directus users; takes the same query arguments as `read_items`."""
        return await self.read_items("directus_users", **query)

    async def read_user(self, id: str, *, fields: Sequence[str] | None = None) -> Item | None:
        """One Directus user, or None."""
        return await self.read_item("directus_users", id, fields=fields)

    async def create_user(self, data: Mapping[str, Any]) -> Item:
        """Create a Directus user."""
        return await self.create_item("directus_users", data)

    async def update_user(self, id: str, data: Mapping[str, Any]) -> Item:
        """Change fields of a Directus user."""
        return await self.update_item("directus_users", id, data)

    async def delete_user(self, id: str) -> None:
        """Delete a Directus user."""
        await self.delete_item("directus_users", id)

    async def current_user(self, *, fields: Sequence[str] | None = None) -> Item:
        """The user whose token this client uses."""
        params = query_params(fields=fields)
        user: Item = await self.data("GET", "/users/me", params=params)
        return user

    # -- files -------------------------------------------------------------------------

    async def upload_file(
        self,
        filename: str,
        content: bytes,
        content_type: str,
        *,
        fields: Mapping[str, str] | None = None,
        timeout_seconds: float | None = None,
    ) -> Item:
        """Store a file (multipart `POST /files`); `fields` are its metadata (title, folder)."""
        # Directus reads metadata only from parts sent before the file part.
        files = {"file": (filename, content, content_type)}
        data = dict(fields or {})
        item: Item = await self.data(
            "POST", "/files", data=data, files=files, timeout_seconds=timeout_seconds
        )
        return item

    async def read_file_content(self, id: str, *, timeout_seconds: float | None = None) -> bytes:
        """The bytes of a stored file (`GET /assets/<id>`)."""
        response = await self.request("GET", f"/assets/{id}", timeout_seconds=timeout_seconds)
        return response.content


__all__ = [
    "DirectusApiError",
    "DirectusClient",
    "RetryPolicy",
    "collection_path",
    "query_params",
]
