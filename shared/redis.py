"""The async Redis client (works with Valkey and Dragonfly) and its health check."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from shared.health import HealthCheck


def create_redis(
    url: str,
    *,
    timeout: float = 2.0,
    retries: int = 2,
    decode_responses: bool = False,
    max_connections: int = 256,
) -> Redis:
    """An async client for `url` with bounded timeouts and a short retry on connection errors.

    The retry is short because a caller (and `/health`) must learn fast that Redis is down;
    connections are checked before reuse so a restarted server is picked up transparently.
    The pool blocks (up to `timeout`) when all `max_connections` are busy: a burst of a
    thousand requests queues for a connection instead of failing (redis-py's default pool
    raises at its limit).
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries),
        health_check_interval=15,
        decode_responses=decode_responses,
    )
    return Redis.from_pool(pool)


def redis_health_check(client: Redis) -> HealthCheck:
    """A health check that PINGs the server."""

    async def check() -> bool:
        return bool(await client.ping())

    return check
