"""Rate limits in Redis: token buckets per caller and per operation.

Config section ``plugins.rate_limit`` (every limit optional)::

    rate_limit:
      redis_url: null            # default: MATEWAY_REDIS_URL (shared settings)
      fail_open: true            # Redis down: let requests through (error log + metric)
      trust_forwarded_for: false # behind a proxy: the caller's IP is X-Forwarded-For's first
      per_user: {requests: 600, per_seconds: 60}
      per_api_key: {requests: 600, per_seconds: 60}
      per_ip: {requests: 120, per_seconds: 60}   # anonymous callers
      operations:                # by root field (or a glob), per caller; stricter for login
        login: {requests: 5, per_seconds: 60}
        "pdf*": {requests: 30, per_seconds: 60}   # one bucket for every matching field

A bucket holds ``requests`` tokens and refills at ``requests / per_seconds`` a second.
All buckets of a request are checked and taken in one Lua script with Redis's clock, so
routers scaled out share limits and a refused request costs no bucket anything. A refusal
is RATE_LIMITED with ``extensions.retryAfter`` (seconds) and HTTP 429 with Retry-After.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis
from redis.exceptions import RedisError

from router.pipeline import Pipeline, RequestContext, RequestError, Stage
from router.plugins._edge import client_ip, identity_of, load_settings, root_fields
from shared.redis import create_redis
from shared.settings import ServiceSettings

_log = logging.getLogger("router.plugins.rate_limit")

# KEYS: buckets; ARGV: capacity and refill period (ms) per bucket. Returns 0 when every bucket
# had a token (all taken), else the milliseconds until the emptiest one has one again.
TOKEN_BUCKETS = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local wait = 0
local levels = {}
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[2 * i - 1])
  local period = tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local level = tonumber(state[1])
  local at = tonumber(state[2])
  if level == nil or at == nil then
    level = capacity
    at = now
  end
  level = math.min(capacity, level + math.max(0, now - at) * capacity / period)
  levels[i] = level
  if level < 1 then
    local need = math.ceil((1 - level) * period / capacity)
    if need > wait then wait = need end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'tokens', tostring(levels[i] - 1), 'at', tostring(now))
  redis.call('PEXPIRE', key, ARGV[2 * i])
end
return 0
"""


class Limit(BaseModel):
    """``requests`` per ``per_seconds`` (a bucket of that size refilling steadily)."""

    model_config = ConfigDict(extra="forbid")

    requests: int = Field(ge=1)
    per_seconds: float = Field(gt=0)

    @property
    def period_ms(self) -> int:
        """Milliseconds to refill an empty bucket."""
        return max(1, round(self.per_seconds * 1000))


class RateLimitSettings(BaseModel):
    """The ``plugins.rate_limit`` section."""

    model_config = ConfigDict(extra="forbid")

    redis_url: str | None = None
    redis_timeout_seconds: float = Field(default=0.5, gt=0)
    key_prefix: str = "mateway:ratelimit:"
    fail_open: bool = True
    trust_forwarded_for: bool = False
    per_user: Limit | None = None
    per_api_key: Limit | None = None
    per_ip: Limit | None = None
    operations: dict[str, Limit] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bucket a request takes a token from."""

    key: str
    limit: Limit


def caller_key(ctx: RequestContext, trust_forwarded_for: bool) -> tuple[str, str]:
    """(kind, key) of the caller: 'user', 'api_key' or 'ip' (anonymous callers)."""
    identity = identity_of(ctx)
    if identity.api_key_id is not None:
        return "api_key", f"key:{identity.api_key_id}"
    if identity.user_id is not None:
        return "user", f"user:{identity.user_id}"
    return "ip", f"ip:{client_ip(ctx, trust_forwarded_for)}"


def buckets_for(ctx: RequestContext, config: RateLimitSettings) -> list[Bucket]:
    """The buckets one request draws from: its caller's and its limited root fields'."""
    kind, caller = caller_key(ctx, config.trust_forwarded_for)
    prefix = config.key_prefix
    buckets = []
    caller_limit = {"user": config.per_user, "api_key": config.per_api_key, "ip": config.per_ip}
    if (limit := caller_limit[kind]) is not None:
        buckets.append(Bucket(f"{prefix}{caller}", limit))
    if config.operations and ctx.prepared is not None:
        for field_name in sorted(set(root_fields(ctx.prepared))):
            if (found := operation_limit(config.operations, field_name)) is not None:
                pattern, limit = found
                buckets.append(Bucket(f"{prefix}op:{pattern}:{caller}", limit))
    return buckets


def operation_limit(operations: dict[str, Limit], field_name: str) -> tuple[str, Limit] | None:
    """The limit of a root field: its own entry, else the first glob (``pdf*``) matching it.

    Fields matched by one glob share one bucket per caller (a limit for a group of skills).
    """
    limit = operations.get(field_name)
    if limit is not None:
        return field_name, limit
    for pattern, limit in operations.items():
        if "*" in pattern and fnmatchcase(field_name, pattern):
            return pattern, limit
    return None


class RateLimiter:
    """Takes tokens from a request's buckets in Redis, or says how long to wait."""

    def __init__(self, client: Redis, config: RateLimitSettings, decisions: Counter) -> None:
        self.config = config
        self.decisions = decisions
        self._script = client.register_script(TOKEN_BUCKETS)

    async def wait_ms(self, buckets: list[Bucket]) -> int:
        """0 when the request may go on, else milliseconds until it may."""
        keys = [b.key for b in buckets]
        args: list[int] = []
        for bucket in buckets:
            args += [bucket.limit.requests, bucket.limit.period_ms]
        return int(await self._script(keys=keys, args=args))

    async def check(self, ctx: RequestContext) -> None:
        """Raises RATE_LIMITED (429) when a bucket is empty; Redis errors per fail mode."""
        buckets = buckets_for(ctx, self.config)
        if not buckets:
            return
        try:
            wait = await self.wait_ms(buckets)
        except (RedisError, OSError) as error:
            self._redis_failed(error)
            return
        if wait <= 0:
            self.decisions.labels(outcome="allowed").inc()
            return
        self.decisions.labels(outcome="limited").inc()
        raise rate_limited(math.ceil(wait / 1000))

    def _redis_failed(self, error: Exception) -> None:
        self.decisions.labels(outcome="redis_error").inc()
        mode = "open" if self.config.fail_open else "closed"
        _log.error("rate limit store unavailable, failing %s: %s", mode, error)
        if not self.config.fail_open:
            raise RequestError(
                "Rate limiting is unavailable; try again shortly.", 503, code="UNAVAILABLE"
            )


def rate_limited(retry_after: int) -> RequestError:
    """The RATE_LIMITED error: extensions.retryAfter, HTTP 429 and Retry-After."""
    message = f"Too many requests; retry in {retry_after} s."
    extensions = {"code": "RATE_LIMITED", "retryAfter": retry_after}
    return RequestError(
        message,
        429,
        errors=[{"message": message, "extensions": extensions}],
        headers={"retry-after": str(retry_after)},
    )


def _decisions_counter(registry: CollectorRegistry | None) -> Counter:
    return Counter(
        "mateway_router_rate_limit_decisions",
        "Rate limit decisions: allowed, limited, redis_error (fail-open or fail-closed)",
        ["outcome"],
        registry=registry or CollectorRegistry(),
    )


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Checks the request's buckets once its operation is known (root fields)."""
    config = load_settings(RateLimitSettings, "rate_limit", settings)
    url = config.redis_url or ServiceSettings().redis_url
    client = create_redis(url, timeout=config.redis_timeout_seconds, retries=1)
    limiter = RateLimiter(client, config, _decisions_counter(pipeline.metrics_registry))
    pipeline.hook(Stage.OPERATION_VALIDATED, limiter.check)
    pipeline.on_shutdown.append(client.aclose)
