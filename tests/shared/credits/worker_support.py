"""The platform's real Celery worker for credit settlements, and a TCP proxy that fails on cue.

`platform_worker` runs `celery -A shared.platform.worker:app` (the stack's worker, with the
real `mateway.credits.settle` task) on a Valkey database that is both its broker and its
credits store. `TcpProxy` forwards to a real server; stopped, its port refuses connections;
with `drop_marker` set, a connection sending those bytes is cut instead of forwarded.
`commit_cut` gives Credits whose Redis connection is cut when it sends the commit script: a
settlement through them writes its ledger row and never moves the balance (a partial success).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from redis.asyncio import Redis

from shared.credits import BalanceStore, Credits, Ledger, scripts
from shared.redis import create_redis
from tests.shared.conftest import CeleryWorker
from tests.support.ports import free_port
from tests.support.waiting import eventually

WORKER_APP = "shared.platform.worker:app"


def platform_worker(redis_url: str, directus_url: str, token: str, logfile: Path) -> CeleryWorker:
    """The stack's worker (not started) with its Redis and Directus in the environment."""
    env = {
        "MATEWAY_DIRECTUS_URL": directus_url,
        "MATEWAY_DIRECTUS_TOKEN": token,
        "MATEWAY_SERVICE_NAME": "mateway-worker-tests",
    }
    return CeleryWorker(redis_url, logfile, app=WORKER_APP, env=env)


class TcpProxy:
    """Forwards 127.0.0.1:`port` to a server; counts the connections it cut."""

    def __init__(self, target_url: str) -> None:
        target = urlsplit(target_url)
        self.target = (target.hostname or "127.0.0.1", target.port or 80)
        self.port = free_port()
        self.drop_marker: bytes | None = None
        self.dropped = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def url(self, scheme: str = "http", path: str = "") -> str:
        """This proxy's URL (`redis`, db path `/9`, or `http`)."""
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    async def start(self) -> None:
        """Listens on the proxy's port (the same one after a stop)."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Stops listening and cuts every open connection."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer, inspect=True),
                self._pipe(up_reader, writer, inspect=False),
            )
        finally:
            self._writers -= {writer, up_writer}

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, inspect: bool
    ) -> None:
        tail = b""  # a marker split across two reads is still seen
        try:
            while data := await reader.read(65536):
                if inspect and self.drop_marker is not None and self.drop_marker in tail + data:
                    self.dropped += 1
                    return
                tail = data[-64:]
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()


@contextlib.asynccontextmanager
async def commit_cut(
    valkey_url: str,
    db: int,
    ledger: Ledger,
    hold_seconds: float = 900.0,
    settling_seconds: float | None = None,
) -> AsyncIterator[tuple[Credits, TcpProxy]]:
    """Credits on database `db` whose commits never reach Redis; holds last `hold_seconds`,
    priced ones `settling_seconds` (by default as long)."""
    proxy = TcpProxy(valkey_url)
    await proxy.start()
    # The commit goes out as EVALSHA of its script: the connection carrying it is cut.
    proxy.drop_marker = hashlib.sha1(scripts.COMMIT.encode()).hexdigest().encode()
    redis = create_redis(proxy.url("redis", f"/{db}"), retries=1)
    try:
        store = BalanceStore(redis, hold_seconds, settling_seconds or hold_seconds)
        yield Credits(store, ledger), proxy
    finally:
        await redis.aclose()
        await proxy.stop()


async def hold_expired(redis: Redis, user: str, request_id: str) -> None:
    """Waits (at most 10 s) until the request's reservation expired by its TTL."""
    key = f"credits:{{{user}}}:res:{request_id}"

    async def gone() -> bool:
        return not await redis.exists(key)

    await eventually(gone, seconds=10, every=0.05)


async def age_ledger_row(ledger: Ledger, request_id: str, seconds: float) -> None:
    """Moves the request's ledger row `seconds` into the past (as if written that long ago)."""
    row = await ledger.find(request_id)
    assert row is not None
    created = datetime.fromisoformat(str(row["date_created"]).replace("Z", "+00:00"))
    earlier = (created - timedelta(seconds=seconds)).isoformat()
    await ledger.directus.update_item("usage", row["id"], {"date_created": earlier})
