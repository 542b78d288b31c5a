"""Persisted documents: APQ (Apollo's protocol) and a trusted-documents manifest.

Config section ``plugins.persisted_documents``::

    persisted_documents:
      manifest: schema/persisted-documents.json  # null: no trusted documents
      trusted_only: api_keys   # none | api_keys (API-key callers run only trusted) | everyone
      apq:
        enabled: true
        store: redis           # redis (shared by routers) or memory
        redis_url: null        # default MATEWAY_REDIS_URL
        ttl_seconds: 86400
        cache_size: 1000       # in-memory LRU in front of Redis

A request names a document by ``documentId`` (a manifest id) or by
``extensions.persistedQuery {version: 1, sha256Hash}``. APQ answers Apollo's
``PersistedQueryNotFound`` / ``PersistedQueryNotSupported`` (HTTP 200, as Apollo Server,
so Apollo clients retry with the query or stop using APQ); a query whose hash differs
is refused. APQ-registered documents are never trusted: only the manifest's are.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis
from redis.exceptions import RedisError

from router.pipeline import LRUCache, Pipeline, RequestContext, RequestError, Stage
from router.plugins._edge import PluginConfigError, identity_of, load_settings
from router.plugins.persisted_manifest import (
    ManifestError,
    TrustedDocuments,
    load_manifest,
    sha256_hex,
)
from shared.identity import CallerKind
from shared.redis import create_redis
from shared.settings import ServiceSettings

_log = logging.getLogger("router.plugins.persisted_documents")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
TRUSTED = "persisted_documents.trusted"  # ctx.state: the manifest id of a trusted request
REGISTER = "persisted_documents.register"  # ctx.state: an APQ hash to store once validated


class ApqSettings(BaseModel):
    """Automatic persisted queries."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    store: Literal["redis", "memory"] = "redis"
    redis_url: str | None = None
    redis_timeout_seconds: float = Field(default=0.5, gt=0)
    key_prefix: str = "mateway:apq:"
    ttl_seconds: int = Field(default=86_400, ge=1)
    cache_size: int = Field(default=1000, ge=1)


class PersistedDocumentsSettings(BaseModel):
    """The ``plugins.persisted_documents`` section."""

    model_config = ConfigDict(extra="forbid")

    manifest: Path | None = None
    trusted_only: Literal["none", "api_keys", "everyone"] = "api_keys"
    apq: ApqSettings = Field(default_factory=ApqSettings)


class ApqStore:
    """APQ documents by hash: an LRU in front of Redis (Redis failures fall back to memory)."""

    def __init__(self, config: ApqSettings, client: Redis | None) -> None:
        self.config = config
        self.client = client
        self.memory: LRUCache[str, str] = LRUCache(config.cache_size)

    async def get(self, sha: str) -> str | None:
        """The document stored under ``sha``, or None."""
        found = self.memory.get(sha)
        if found is not None or self.client is None:
            return found
        try:
            raw = await self.client.get(self.config.key_prefix + sha)
        except (RedisError, OSError) as error:
            _log.error("APQ store unavailable, using memory only: %s", error)
            return None
        if raw is None:
            return None
        body = raw.decode() if isinstance(raw, bytes) else str(raw)
        self.memory.put(sha, body)
        return body

    async def put(self, sha: str, body: str) -> None:
        """Stores ``body`` under ``sha`` (in Redis with the TTL)."""
        self.memory.put(sha, body)
        if self.client is None:
            return
        try:
            await self.client.set(self.config.key_prefix + sha, body, ex=self.config.ttl_seconds)
        except (RedisError, OSError) as error:
            _log.error("APQ store unavailable, kept in memory only: %s", error)


def _apq_answer(ctx: RequestContext, message: str, code: str) -> None:
    """Apollo's APQ answers: a GraphQL error with HTTP 200, not a request failure."""
    ctx.response = {"errors": [{"message": message, "extensions": {"code": code}}]}


def not_in_list(message: str, status: int) -> RequestError:
    """PERSISTED_QUERY_NOT_IN_LIST: an unknown id (404) or a caller limited to the list (403)."""
    return RequestError(message, status, code="PERSISTED_QUERY_NOT_IN_LIST", well_formed=False)


class PersistedDocuments:
    """Resolves persisted documents before parsing and enforces trust once validated."""

    def __init__(
        self,
        config: PersistedDocumentsSettings,
        trusted: TrustedDocuments,
        store: ApqStore | None,
    ) -> None:
        self.config = config
        self.trusted = trusted
        self.store = store

    async def resolve(self, ctx: RequestContext) -> None:
        """Fills ``ctx.request.query`` from a documentId or an APQ hash; marks trusted ones."""
        request = ctx.request
        if request.document_id is not None:
            body = self.trusted.lookup(request.document_id)
            if body is None:
                raise not_in_list(f"Persisted document '{request.document_id}' not found", 404)
            if request.query is not None and request.query != body:
                raise RequestError("Send either documentId or query, not both", 400)
            request.query = body
            ctx.state[TRUSTED] = request.document_id.removeprefix("sha256:")
            return
        persisted = (request.extensions or {}).get("persistedQuery")
        if persisted is not None:
            await self._resolve_hash(ctx, persisted)
        elif request.query is not None and request.query in self.trusted.ids_by_body:
            ctx.state[TRUSTED] = self.trusted.ids_by_body[request.query]

    async def _resolve_hash(self, ctx: RequestContext, persisted: Any) -> None:
        request = ctx.request
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            _apq_answer(ctx, "PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED")
            return
        sha = persisted.get("sha256Hash")
        if not isinstance(sha, str) or not _SHA256.match(sha):
            raise RequestError(
                "sha256Hash must be 64 lower-case hex digits", 400, well_formed=False
            )
        trusted_body = self.trusted.lookup(sha)
        if request.query is not None:
            if sha256_hex(request.query) != sha:
                raise RequestError(
                    "provided sha does not match query",
                    400,
                    code="PERSISTED_QUERY_HASH_MISMATCH",
                    well_formed=False,
                )
            if trusted_body is not None:
                ctx.state[TRUSTED] = sha
            elif self.store is not None:
                ctx.state[REGISTER] = sha
            return
        if trusted_body is not None:
            request.query = trusted_body
            ctx.state[TRUSTED] = sha
        elif self.store is None:
            _apq_answer(ctx, "PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED")
        elif (body := await self.store.get(sha)) is not None:
            request.query = body
        else:
            _apq_answer(ctx, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")

    async def enforce(self, ctx: RequestContext) -> None:
        """Callers limited to trusted documents run only those; valid APQ queries are stored."""
        mode = self.config.trusted_only
        limited = mode == "everyone" or (
            mode == "api_keys" and identity_of(ctx).kind is CallerKind.API_KEY
        )
        if limited and TRUSTED not in ctx.state:
            who = "API keys" if mode == "api_keys" else "Clients"
            raise not_in_list(f"{who} may only run trusted documents (persisted documents)", 403)
        sha = ctx.state.pop(REGISTER, None)
        if sha is not None and self.store is not None and ctx.request.query is not None:
            await self.store.put(sha, ctx.request.query)


def _store(config: ApqSettings) -> ApqStore | None:
    if not config.enabled:
        return None
    if config.store == "memory":
        return ApqStore(config, None)
    url = config.redis_url or ServiceSettings().redis_url
    return ApqStore(config, create_redis(url, timeout=config.redis_timeout_seconds, retries=1))


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Resolves documents at ROUTER_REQUEST; trust and APQ registration once validated."""
    config = load_settings(PersistedDocumentsSettings, "persisted_documents", settings)
    trusted = TrustedDocuments.empty()
    if config.manifest is not None:
        try:
            trusted = load_manifest(config.manifest, pipeline.schema)
        except ManifestError as error:
            message = f"invalid router config plugins.persisted_documents: {error}"
            raise PluginConfigError(message) from None
    store = _store(config.apq)
    plugin = PersistedDocuments(config, trusted, store)
    pipeline.hook(Stage.ROUTER_REQUEST, plugin.resolve)
    pipeline.hook(Stage.OPERATION_VALIDATED, plugin.enforce)
    if store is not None and store.client is not None:
        pipeline.on_shutdown.append(store.client.aclose)
