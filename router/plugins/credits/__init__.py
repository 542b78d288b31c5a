"""plugins.credits: `@credits(cost:)` reserved before a field runs, settled after.

```yaml
plugins:
  credits:
    redis_url: null                  # default: MATEWAY_REDIS_URL (shared settings)
    directus_url: null               # default: MATEWAY_DIRECTUS_URL; token from
    directus_token: null             #   MATEWAY_DIRECTUS_TOKEN (or the local data folder)
    reservation_ttl_seconds: 900     # a crashed router's holds free themselves
    allow_over_reservation: true     # charge reported usage above the cost if the balance has it
    retry_in_worker: true            # failed settlements go to the platform worker's queue
    worker_broker_url: null          # default: MATEWAY_REDIS_URL (the worker's broker)
    enabled: true
```

Off unless configured. At PLAN_READY (after plugins.auth took out refused fields), every
root field of the operation with `@credits` has its cost reserved for the caller's user (an
API key charges its owner; anonymous callers get UNAUTHENTICATED). When any reservation
fails the request ends before any subgraph is called: INSUFFICIENT_CREDITS (with `cost`
and `available`), or 503 UNAVAILABLE when Redis cannot be reached (fail closed). Subgraphs
receive the request id in `x-mateway-request-id` and report usage in
`extensions.credits` (see shared/credits/report.py). At RESPONSE (queries, mutations) or
STREAM_END (WebSocket and SSE operations, however they end) each field is settled: with the
reported usage, else its cost when it succeeded; a failed field that reported nothing is
released. Each field's ledger request id is `<request id>.<response key>`. A settlement that
fails (Directus or Redis down past the in-process retries) is sent to the platform worker as
`mateway.credits.settle` (shared/credits/tasks.py), which retries it with backoff under the
same request id, so it is billed once; when even the broker refuses it, an error names the
request id. The request itself always answers normally.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from router.pipeline import Pipeline, Stage
from router.plugins._edge import load_settings
from router.plugins.auth import supergraph_sdl
from router.plugins.credits.charges import CreditGate, CreditsExecutor
from router.plugins.credits.costs import CostRules
from router.plugins.credits.retries import SettlementRetries
from shared.credits import BalanceStore, Credits, Ledger
from shared.directus.access import DirectusServiceSettings
from shared.directus.client import DirectusClient
from shared.redis import create_redis


class CreditsSettings(BaseModel):
    """The `plugins.credits` section."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    redis_url: str | None = None
    redis_timeout_seconds: float = Field(default=1.0, gt=0)
    directus_url: str | None = None
    directus_token: SecretStr | None = None
    reservation_ttl_seconds: float = Field(default=900.0, gt=0)
    allow_over_reservation: bool = True
    retry_in_worker: bool = True
    worker_broker_url: str | None = None


def _directus(config: CreditsSettings, service: DirectusServiceSettings) -> DirectusClient:
    if config.directus_url and config.directus_token:
        return DirectusClient(config.directus_url, config.directus_token.get_secret_value())
    return DirectusClient.from_settings(service)


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Reads @credits from the supergraph; reserves at PLAN_READY, settles when requests end."""
    config = load_settings(CreditsSettings, "credits", settings)
    if not config.enabled:
        return
    rules = CostRules.from_sdl(supergraph_sdl(pipeline))
    service = DirectusServiceSettings()
    redis_url = config.redis_url or service.redis_url
    redis = create_redis(redis_url, timeout=config.redis_timeout_seconds, retries=1)
    directus = _directus(config, service)
    store = BalanceStore(redis, config.reservation_ttl_seconds)
    credits = Credits(store, Ledger(directus), allow_over=config.allow_over_reservation)
    retries = None
    if config.retry_in_worker:
        broker_url = config.worker_broker_url or service.redis_url
        retries = SettlementRetries(broker_url, config.allow_over_reservation)
        pipeline.on_shutdown.append(retries.aclose)
    gate = CreditGate(pipeline, rules, credits, retries)
    pipeline.hook(Stage.PLAN_READY, gate.reserve)
    pipeline.hook(Stage.RESPONSE, gate.settle)
    pipeline.hook(Stage.STREAM_END, gate.settle)
    pipeline.executor = CreditsExecutor(pipeline.executor)
    pipeline.on_shutdown.append(redis.aclose)
    pipeline.on_shutdown.append(directus.aclose)
