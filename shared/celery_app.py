"""The Celery app factory, the idempotent task base class, and the worker health check.

Tasks are acknowledged late and re-queued when a worker dies, so a task may run again after
its effect happened. `IdempotentTask` keeps a done-marker in Redis per idempotency key: a
redelivered (or re-sent) task with the same key returns the stored result without running.
"""

from __future__ import annotations

import asyncio
from typing import Any, ParamSpec, TypeVar

import orjson
from celery import Celery, Task
from celery.signals import setup_logging
from redis import Redis

from shared.celery_tracing import install_task_tracing
from shared.health import HealthCheck
from shared.logging import configure_logging
from shared.settings import ServiceSettings
from shared.tracing import configure_tracing

P = ParamSpec("P")
R = TypeVar("R")

KEY_PREFIX = "mateway:idempotency"


def celery_config(redis_url: str, result_url: str | None = None) -> dict[str, Any]:
    """The settings every Mateway Celery app uses."""
    return {
        "broker_url": redis_url,
        "result_backend": result_url or redis_url,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "event_serializer": "json",
        # One message at a time per process, so a crash re-queues at most that one.
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 2.0,
        "result_expires": 24 * 3600,
        "enable_utc": True,
        # A message not acked within this time is redelivered; longer than any task runs.
        "broker_transport_options": {"visibility_timeout": 3 * 3600},
    }


def create_celery_app(
    name: str, redis_url: str, result_url: str | None = None, **overrides: Any
) -> Celery:
    """A Celery app on Redis (broker and results), JSON only, acks late."""
    app = Celery(name, set_as_current=False)
    app.conf.update(celery_config(redis_url, result_url))
    app.conf.update(overrides)
    install_task_tracing()
    return app


def celery_app_from_settings(settings: ServiceSettings, **overrides: Any) -> Celery:
    """The service's Celery app; its workers log JSON and trace like the service itself."""
    app = create_celery_app(settings.service_name, settings.redis_url, **overrides)

    def setup(**_: Any) -> None:
        # Connecting any receiver stops Celery from installing its own plain-text logging.
        configure_logging(settings.service_name, settings.log_level, settings.log_dir)
        configure_tracing(settings.service_name, settings.otlp_endpoint)

    setup_logging.connect(setup, weak=False)
    return app


class TaskInProgress(Exception):
    """Another worker holds the idempotency lock for the same key."""


class IdempotentTask(Task[P, R]):
    """A task whose effect runs once per idempotency key, however often it is delivered.

    The key is the task id by default (what a redelivery keeps); set `idempotency_fields`
    (e.g. `@app.task(base=IdempotentTask, idempotency_fields=("invoice_id",))`) to derive it
    from keyword arguments instead, so that re-sending the same request is also a no-op.
    """

    idempotency_fields: tuple[str, ...] = ()
    idempotency_ttl: int = 7 * 24 * 3600  # how long a finished key is remembered (seconds)
    lock_ttl: int = 3600  # longer than the task can run; frees the key if a worker vanished
    in_progress_countdown: float = 1.0
    _idempotency_client: Redis | None = None

    def idempotency_redis(self) -> Redis:
        """The synchronous Redis client holding the markers (the broker by default)."""
        if self._idempotency_client is None:
            url = self.app.conf.get("mateway_idempotency_url") or self.app.conf.broker_url
            self._idempotency_client = Redis.from_url(url, socket_timeout=5.0)
        return self._idempotency_client

    def idempotency_key(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
        """The key of this call, or None when it has none (a direct call without fields)."""
        if self.idempotency_fields:
            missing = [name for name in self.idempotency_fields if name not in kwargs]
            if missing:
                raise TypeError(f"{self.name} needs keyword arguments {missing} for idempotency")
            part = orjson.dumps(
                [kwargs[name] for name in self.idempotency_fields], default=str
            ).decode()
        elif self.request.id is not None:
            part = self.request.id
        else:
            return None
        return f"{KEY_PREFIX}:{self.name}:{part}"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        key = self.idempotency_key(args, kwargs)
        if key is None:
            return super().__call__(*args, **kwargs)
        client = self.idempotency_redis()
        done = client.get(key)
        if done is not None:
            return orjson.loads(done)["result"]  # type: ignore[no-any-return]
        owner = self.request.id or "direct"
        lock = f"{key}:lock"
        # A lock left by our own task id means an earlier delivery died mid-run: take it over.
        if not client.set(lock, owner, nx=True, ex=self.lock_ttl) and client.get(lock) != (
            owner.encode()
        ):
            if self.request.called_directly:
                raise TaskInProgress(key)
            raise self.retry(
                exc=TaskInProgress(key), countdown=self.in_progress_countdown, max_retries=None
            )
        try:
            result = super().__call__(*args, **kwargs)
            client.set(key, orjson.dumps({"result": result}), ex=self.idempotency_ttl)
            return result
        finally:
            client.delete(lock)


def celery_health_check(app: Celery, timeout: float = 2.0) -> HealthCheck:
    """A health check that pings the workers; down when none answers within `timeout`."""

    async def check() -> bool:
        replies = await asyncio.to_thread(app.control.ping, timeout=timeout, limit=1)
        if not replies:
            raise RuntimeError("no Celery worker answered the ping")
        return True

    return check
