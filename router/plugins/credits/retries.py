"""Failed settlements handed to the platform worker's `mateway.credits.settle` task.

The Celery client is made on first use, so a router with credits but no worker still starts.
Kombu publishes synchronously: sending runs in a thread, with a short publish retry, so a
broker that is down costs the request about a second and an error log, never an exception.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from celery import Celery

from shared.celery_app import celery_app_from_settings
from shared.credits import Usage
from shared.credits.tasks import SETTLE_TASK, settle_kwargs
from shared.settings import ServiceSettings

_log = logging.getLogger("router.plugins.credits")
_SOCKET_SECONDS = 1.0
# Celery's default publish retry waits up to ~3 s; a request should learn faster.
_PRODUCER: dict[str, Any] = {
    "broker_connection_timeout": _SOCKET_SECONDS,
    "task_publish_retry_policy": {
        "max_retries": 1,
        "interval_start": 0.1,
        "interval_step": 0.1,
        "interval_max": 0.1,
    },
}


class SettlementRetries:
    """Sends settlements that failed in the router to the worker, which retries them."""

    def __init__(self, broker_url: str, allow_over: bool) -> None:
        self.broker_url = broker_url
        self.allow_over = allow_over
        self._celery: Celery | None = None

    def celery(self) -> Celery:
        """The producer app, made on first use (no broker connection until a send)."""
        if self._celery is None:
            settings = ServiceSettings(service_name="mateway-router", redis_url=self.broker_url)
            app = celery_app_from_settings(settings, **_PRODUCER)
            options = dict(app.conf.broker_transport_options)
            options.update(socket_connect_timeout=_SOCKET_SECONDS, socket_timeout=_SOCKET_SECONDS)
            app.conf.broker_transport_options = options
            self._celery = app
        return self._celery

    async def send(self, user: str, request_id: str, usage: Usage) -> bool:
        """Queues the settlement; False, with an error logged, when the broker refuses it."""
        kwargs = settle_kwargs(user, request_id, usage, self.allow_over)
        app = self.celery()
        try:
            # No result: the router never reads it, and asking for one subscribes to it.
            await asyncio.to_thread(app.send_task, SETTLE_TASK, kwargs=kwargs, ignore_result=True)
        except Exception as error:  # the broker's many failure types: never into the request
            _log.error(
                "credits settlement could not be queued for retry: %s stays unbilled (%s)",
                request_id,
                error,
                extra={"request_id": request_id, "user": user},
            )
            return False
        _log.info(
            "credits settlement queued for the worker: %s",
            request_id,
            extra={"request_id": request_id},
        )
        return True

    async def aclose(self) -> None:
        """Closes the producer's broker connections, if it ever made any."""
        if self._celery is not None:
            await asyncio.to_thread(self._celery.close)
