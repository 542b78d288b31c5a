"""The local stack's Celery worker app: `celery -A shared.platform.worker:app worker`.

Built from the environment like every service (`MATEWAY_REDIS_URL` is its broker); it answers
the kit's health ping (`shared.celery_app.celery_health_check`). Apps' tasks join it by being
imported here: `mateway.credits.settle` (shared/credits/tasks.py) retries the router's credit
settlements that failed.
"""

from __future__ import annotations

from celery import Celery

from shared.celery_app import celery_app_from_settings, celery_health_check
from shared.credits.tasks import register_credit_tasks
from shared.health import HealthCheck
from shared.settings import ServiceSettings

settings = ServiceSettings(service_name="mateway-worker")
app: Celery = celery_app_from_settings(settings)
register_credit_tasks(app)


def worker_health_check(timeout: float = 1.5) -> HealthCheck:
    """A check that is up while at least one worker answers the ping."""
    return celery_health_check(app, timeout)
