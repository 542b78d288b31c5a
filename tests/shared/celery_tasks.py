"""Tasks the test Celery worker runs; each effect is an INCR in Redis so tests can count it."""

from __future__ import annotations

import logging

from celery import Celery
from redis import Redis

from shared.celery_app import IdempotentTask, celery_app_from_settings, create_celery_app
from shared.logging import current_trace_id
from shared.settings import ServiceSettings

WORKER_SERVICE = "celery-tests"


def create_app(redis_url: str) -> Celery:
    """A producer-side test app with the tasks registered."""
    return register_tasks(create_celery_app("mateway-tests", redis_url), redis_url)


def register_tasks(app: Celery, redis_url: str) -> Celery:
    """Add the test tasks to `app`; their effects go to `redis_url`."""

    @app.task(base=IdempotentTask, shared=False, name="tests.count_effect")
    def count_effect(counter: str) -> int:
        with Redis.from_url(redis_url) as client:
            return int(client.incr(counter))

    @app.task(
        base=IdempotentTask, shared=False, name="tests.charge", idempotency_fields=("invoice_id",)
    )
    def charge(counter: str, invoice_id: str, amount: int) -> int:
        with Redis.from_url(redis_url) as client:
            return int(client.incrby(counter, amount))

    @app.task(base=IdempotentTask, shared=False, name="tests.fail_once")
    def fail_once(counter: str) -> int:
        with Redis.from_url(redis_url) as client:
            attempts = int(client.incr(counter))
        if attempts == 1:
            raise RuntimeError("first attempt fails")
        return attempts

    @app.task(shared=False, name="tests.trace_id")
    def trace_id() -> str:
        logging.getLogger("tests.tasks").info("reporting the trace id")
        return current_trace_id()

    return app


# The worker subprocess loads this module with `celery -A`; its broker comes from settings.
settings = ServiceSettings.load(service_name=WORKER_SERVICE)
app = register_tasks(celery_app_from_settings(settings), settings.redis_url)
