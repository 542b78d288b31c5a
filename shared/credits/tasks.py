"""Settlements the router could not finish, retried by the platform worker until they land.

`mateway.credits.settle` carries the user, the ledger request id and the `Usage` fields. It
runs `Credits.settle` again with the same request id, which charges once however often it
runs: a redelivery, a duplicate, or a retry after a partial success (ledger row written,
Redis not committed). Transient failures (Directus or Redis unavailable) retry with
exponential backoff; the message is acknowledged when the task ends, so a worker that dies
mid-run leaves it to another. A settlement still failing after the last retry is logged as
"credits settlement given up" with its request id.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from billiard.einfo import ExceptionInfo
from celery import Celery, Task
from redis.exceptions import RedisError

from shared.credits.balance import BalanceStore
from shared.credits.ledger import Ledger
from shared.credits.service import Credits, Usage
from shared.directus.access import DirectusServiceSettings
from shared.directus.client import DirectusClient
from shared.errors import ErrorCode, MatewayError
from shared.redis import create_redis

SETTLE_TASK = "mateway.credits.settle"
MAX_RETRIES = 10  # backoff doubles from 1 s up to 10 min: about 17 min before giving up
_TRANSIENT = frozenset(
    {ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT, ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL}
)
_log = logging.getLogger("shared.credits.tasks")


class SettlementDeferred(Exception):
    """Settling failed for a reason that passes (Directus or Redis unavailable)."""


class SettlementRefused(Exception):
    """Settling failed for a lasting reason (e.g. the user is gone): not retried."""


def settle_kwargs(user: str, request_id: str, usage: Usage, allow_over: bool) -> dict[str, Any]:
    """The task's keyword arguments, plain JSON."""
    fields = dataclasses.asdict(usage)
    return {"user": user, "request_id": request_id, "usage": fields, "allow_over": allow_over}


async def settle_from_environment(
    user: str, request_id: str, usage: Usage, allow_over: bool = True
) -> int:
    """Settles with Redis and Directus as the environment names them; the credits charged."""
    settings = DirectusServiceSettings()
    redis = create_redis(settings.redis_url)
    directus = DirectusClient.from_settings(settings)
    try:
        credits = Credits(BalanceStore(redis), Ledger(directus), allow_over=allow_over)
        return await credits.settle(user, request_id, usage)
    except MatewayError as error:
        if error.code in _TRANSIENT:
            raise SettlementDeferred(f"{error.code.value}: {error.message}") from error
        # A plain exception: Celery stores it as the result (DirectusApiError cannot be rebuilt).
        raise SettlementRefused(f"{error.code.value}: {error.message}") from error
    finally:
        await redis.aclose()
        await directus.aclose()


class SettleTask(Task[Any, int]):
    """Logs a settlement given up (retries spent, or a lasting error) with its request id."""

    def on_failure(
        self,
        exc: Exception,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: ExceptionInfo,
    ) -> None:
        """Names the unbilled request so it can be found and settled by hand."""
        _log.error(
            "credits settlement given up: %s stays unbilled (%s)",
            kwargs.get("request_id"),
            exc,
            extra={"request_id": kwargs.get("request_id"), "user": kwargs.get("user")},
        )


def register_credit_tasks(app: Celery) -> None:
    """Adds `mateway.credits.settle` to a worker's app."""

    @app.task(
        name=SETTLE_TASK,
        base=SettleTask,
        shared=False,
        acks_late=True,
        autoretry_for=(SettlementDeferred, RedisError, OSError),
        retry_backoff=True,
        retry_backoff_max=600,
        retry_jitter=True,
        max_retries=MAX_RETRIES,
    )
    def settle(user: str, request_id: str, usage: dict[str, Any], allow_over: bool = True) -> int:
        """Charges the usage once under `request_id`; the credits charged."""
        return asyncio.run(settle_from_environment(user, request_id, Usage(**usage), allow_over))
