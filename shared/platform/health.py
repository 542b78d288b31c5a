"""The platform's dependency checks for the router's `/health`: Redis, Celery worker, Directus.

`python -m router serve` loads `platform_checks` when `MATEWAY_ROUTER_HEALTH_CHECKS` names
it (the launcher sets that for the local stack). Each check reconnects on every call, so a
dependency that comes back is reported up again without restarting the router.
"""

from __future__ import annotations

from shared.celery_app import celery_health_check, create_celery_app
from shared.health import HealthCheck, http_health_check
from shared.httpx_client import AsyncClient
from shared.platform.settings import PlatformSettings
from shared.redis import create_redis, redis_health_check

CELERY_WORKER = "celery-worker"


def platform_checks() -> dict[str, HealthCheck]:
    """Named checks of the stack's Redis (or Valkey), Celery worker and Directus."""
    settings = PlatformSettings()
    timeout = settings.health_timeout_seconds
    redis_url = settings.redis_url
    # retries=0: /health must say at once that Redis is down, not after backing off.
    redis = create_redis(redis_url, timeout=timeout, retries=0)
    # A client-only Celery app: it publishes the ping and reads the replies, nothing else.
    celery = create_celery_app("mateway-health", redis_url, broker_connection_max_retries=1)
    client = AsyncClient(timeout=timeout)
    return {
        settings.redis_label: redis_health_check(redis),
        CELERY_WORKER: celery_health_check(celery, timeout=min(1.5, timeout * 0.75)),
        "directus": http_health_check(client, f"{settings.directus_url}/server/ping"),
    }
