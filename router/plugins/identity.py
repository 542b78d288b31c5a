"""Who is calling: ``Authorization: Bearer`` to ``ctx.identity``, and the internal token.

At ROUTER_REQUEST the plugin reads the bearer token (the HTTP header, or ``Authorization`` in
a WebSocket's connection_init payload): an access token is verified locally (EdDSA, no
network call) and checked against the in-memory revocation list; an ``mw_`` API key is
resolved through a short-TTL cache (router.plugins._api_key_lookup). No token means the
anonymous identity; a bad, expired or revoked one ends the request with 401 UNAUTHENTICATED
and ``WWW-Authenticate: Bearer error="invalid_token"``. Every subgraph call then carries the
identity in a 60 s internal token (header ``x-mateway-identity``), minted once per identity
and reused for most of its life.

Subscriptions do not outlive their caller's right to them: at PLAN_READY each one is
watched (router.plugins._stream_guard) with the identity and token times it was authorised
with, and it ends with UNAUTHENTICATED when a revocation of its session, user or API key
is applied (logout, refresh-token reuse, a disabled user, a revoked key) or when its access
token expires; the client's transport ends it as a client ``complete`` would, so the
subgraph subscription closes and credits settle. Nothing is checked per event.

On by default: ``RouterConfig.plugin_sections`` puts ``identity`` first unless the config
says ``plugins: {identity: {enabled: false}}`` (then subgraphs built with the app kit refuse
every call). Config (``plugins.identity``)::

    redis_url: redis://127.0.0.1:6379/0   # default: MATEWAY_REDIS_URL
    revocation_feed: true                  # follow revocations through Redis
    api_key_cache_seconds: 30
    api_key_negative_cache_seconds: 5
    api_key_touch_interval_seconds: 60     # last_used_at written at most this often per key
    trust_forwarded_for: false             # client IP from X-Forwarded-For (behind a proxy)

The caller's IP goes to every subgraph call as ``x-mateway-client-ip`` (core's per-IP login
throttling): the peer address, or the first X-Forwarded-For entry when
``trust_forwarded_for`` says the router sits behind a trusted proxy (router.plugins._edge).
It is a header rather than an internal-token claim because the token is minted once per
identity and reused (one token per identity and IP would mean a signature per anonymous
caller); the header is still trustworthy: the router never forwards clients' headers, and
subgraphs accept only calls with a valid internal token, which only the router can mint.

The signing key is MATEWAY_SIGNING_KEY (environment or .env, never this YAML section); API
keys are looked up in Directus with the platform's Directus settings (MATEWAY_DIRECTUS_*).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis

from router.pipeline import Pipeline, RequestContext, RequestError, Stage
from router.plugins._api_key_lookup import LOOKUP_FIELDS, ApiKeyLookup, Row
from router.plugins._edge import client_ip, load_settings
from router.plugins._stream_guard import StreamGuard
from router.subscriptions.ending import ender_of
from shared.auth.api_keys import looks_like_api_key
from shared.auth.feed import RevocationFeed
from shared.auth.internal import InternalTokenMinter
from shared.auth.keys import TokenKeys, keys_from_settings
from shared.auth.revocation import RevocationList
from shared.auth.tokens import REVOKED_MESSAGE, TokenError, decode_access_token
from shared.directus.access import DirectusServiceSettings
from shared.directus.client import DirectusClient
from shared.identity import CLIENT_IP_HEADER, INTERNAL_TOKEN_HEADER, CallerKind, Identity
from shared.redis import create_redis
from shared.settings import ServiceSettings

API_KEYS = "api_keys"
logger = logging.getLogger("mateway.router.identity")


class IdentitySettings(BaseModel):
    """The ``plugins.identity`` section."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    redis_url: str | None = None
    revocation_feed: bool = True
    revocation_wait_seconds: float = Field(default=2.0, gt=0)
    api_key_cache_seconds: float = Field(default=30.0, gt=0)
    api_key_negative_cache_seconds: float = Field(default=5.0, ge=0)
    api_key_touch_interval_seconds: float = Field(default=60.0, gt=0)
    trust_forwarded_for: bool = False


class DirectusApiKeys:
    """API key rows in Directus, by key hash; the client is opened on first use."""

    def __init__(self, settings: DirectusServiceSettings | None = None) -> None:
        self.settings = settings
        self._client: DirectusClient | None = None

    def _open(self) -> DirectusClient:
        if self._client is None:
            self._client = DirectusClient.from_settings(self.settings or DirectusServiceSettings())
        return self._client

    async def fetch(self, key_hash: str) -> Row | None:
        """The row of the key with this hash (id, scopes, revoked_at, owner), or None."""
        rows = await self._open().read_items(
            API_KEYS, filter={"key_hash": {"_eq": key_hash}}, fields=LOOKUP_FIELDS, limit=1
        )
        return rows[0] if rows else None

    async def touch(self, key_id: str, when: str) -> None:
        """Stamps the key's last_used_at."""
        await self._open().update_item(API_KEYS, key_id, {"last_used_at": when})

    async def aclose(self) -> None:
        """Closes the Directus client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class IdentityEdge:
    """The identity plugin's state: keys, revocations, API key cache, internal token minter."""

    def __init__(
        self,
        keys: TokenKeys,
        lookup: ApiKeyLookup,
        redis: Redis | None,
        wait_seconds: float = 2.0,
        trust_forwarded_for: bool = False,
    ) -> None:
        self.keys = keys
        self.trust_forwarded_for = trust_forwarded_for
        self.lookup = lookup
        self.minter = InternalTokenMinter(keys)
        self.revocations = RevocationList()
        self.revocations.listeners.append(self._on_revocation)
        self.streams = StreamGuard(self.revocations, lookup.resolve)
        self.feed = RevocationFeed(redis, self.revocations) if redis is not None else None
        self.wait_seconds = wait_seconds
        self._feed_started = False
        self._start_lock = asyncio.Lock()
        # Clients to close at shutdown (Redis, Directus); added by build_edge.
        self.closers: list[Callable[[], Awaitable[None]]] = []

    def _on_revocation(self, entry: str) -> None:
        self.lookup.invalidate(entry)
        kind, _, rest = entry.partition(":")
        if kind == "user":
            self.minter.forget_user(rest.rpartition("@")[0])
        # After the cache invalidation: an API key re-checked here is read afresh.
        self.streams.on_revocation(entry)

    async def start(self) -> None:
        """Loads the stored revocations and follows the channel (once; bounded wait)."""
        if self._feed_started or self.feed is None:
            return
        async with self._start_lock:
            if not self._feed_started:
                await self.feed.start(self.wait_seconds)
                self._feed_started = True

    async def identify(self, ctx: RequestContext) -> None:
        """The ROUTER_REQUEST hook: sets ctx.identity and the internal token header."""
        try:
            identity = await self.identity_of(bearer_token(ctx))
        except TokenError as error:
            raise unauthenticated(error.message, error.reason) from None
        ctx.identity = identity
        ctx.state["identity"] = identity
        ctx.subgraph_headers[INTERNAL_TOKEN_HEADER] = self.minter.token_for(identity)
        ip = client_ip(ctx, self.trust_forwarded_for)
        if ip != "unknown":
            ctx.subgraph_headers[CLIENT_IP_HEADER] = ip

    async def identity_of(self, token: str | None) -> Identity:
        """The verified identity of a bearer token (anonymous for None); TokenError if bad."""
        if token is None:
            return Identity.anonymous()
        await self.start()
        if looks_like_api_key(token):
            try:
                return await self.lookup.resolve(token)
            except TokenError:
                raise
            except Exception as error:  # the database: the key can be neither trusted nor refused
                logger.warning("API key lookup failed: %s", error)
                raise RequestError(
                    "API keys cannot be checked right now; try again shortly",
                    503,
                    code="UNAVAILABLE",
                    headers={"retry-after": "5"},
                ) from None
        identity, issued_at = decode_access_token(token, keys=self.keys)
        if self.revocations.is_revoked(identity, issued_at):
            raise TokenError("revoked", REVOKED_MESSAGE)
        return identity

    async def renew_for_subscriptions(self, ctx: RequestContext) -> None:
        """The PLAN_READY hook: a subscription's internal token is renewed for its lifetime.

        It is also watched until it ends: a revocation of its caller or the expiry of its
        access token ends it.
        """
        if ctx.prepared is not None and ctx.prepared.kind == "subscription":
            ctx.subgraph_headers = LiveHeaders(ctx.subgraph_headers, self.minter, ctx.identity)
            self._watch(ctx)

    def _watch(self, ctx: RequestContext) -> None:
        ender = ender_of(ctx)
        identity = ctx.identity
        if ender is None or not identity.is_authenticated:
            return  # not streamed by a transport that can end it, or nothing to revoke
        token = bearer_token(ctx)
        if token is None:
            return
        if identity.kind is CallerKind.API_KEY:
            self.streams.watch(identity, ender, api_key=token)
            return
        # Verified at ROUTER_REQUEST of this same request: only its times are read here.
        claims = jwt.decode(token, options={"verify_signature": False})
        self.streams.watch(
            identity, ender, issued_at=float(claims["iat"]), expires_at=float(claims["exp"])
        )

    async def aclose(self) -> None:
        """Stops the revocation feed and waits for pending last-used writes."""
        if self.feed is not None:
            await self.feed.stop()
            self._feed_started = False
        await self.streams.aclose()
        await self.lookup.drain()
        for close in self.closers:
            await close()


def bearer_token(ctx: RequestContext) -> str | None:
    """The bearer token of the request (header, or connection_init payload), or None."""
    value: Any = ctx.headers.get("authorization")
    if value is None:
        params = ctx.state.get("connection_params") or {}
        value = params.get("Authorization") or params.get("authorization")
    if value is None or value == "":
        return None
    scheme, _, token = str(value).strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("Authorization must be 'Bearer <access token or API key>'", "scheme")
    return token.strip()


def unauthenticated(message: str, reason: str) -> RequestError:
    """401 UNAUTHENTICATED with the reason and a WWW-Authenticate challenge (RFC 6750)."""
    description = message.replace('"', "'")
    challenge = f'Bearer realm="mateway", error="invalid_token", error_description="{description}"'
    error = RequestError(
        message, 401, code="UNAUTHENTICATED", headers={"www-authenticate": challenge}
    )
    error.errors[0].setdefault("extensions", {})["reason"] = reason
    return error


class LiveHeaders(dict[str, str]):
    """Subgraph headers of a subscription: the internal token is renewed when read.

    A subscription outlives a 60 s internal token, and the entity fetches of each event
    read the headers again (``items()``); the minter hands out its cached token for the
    identity, replacing it shortly before it expires.
    """

    def __init__(
        self, headers: dict[str, str], minter: InternalTokenMinter, identity: Identity
    ) -> None:
        super().__init__(headers)
        self._minter = minter
        self._identity = identity

    def items(self) -> Any:
        """The headers, with a valid internal token."""
        self[INTERNAL_TOKEN_HEADER] = self._minter.token_for(self._identity)
        return super().items()


_EDGES: weakref.WeakKeyDictionary[Pipeline, IdentityEdge] = weakref.WeakKeyDictionary()


def edge_of(pipeline: Pipeline) -> IdentityEdge | None:
    """The identity plugin installed on a pipeline (for shutdown and tests)."""
    return _EDGES.get(pipeline)


def build_edge(config: IdentitySettings, service: ServiceSettings | None = None) -> IdentityEdge:
    """The plugin's state from its section and the service settings (key, Redis URL)."""
    service = service or ServiceSettings()
    keys = keys_from_settings(service)
    directus = DirectusApiKeys()
    lookup = ApiKeyLookup(
        keys,
        directus.fetch,
        directus.touch,
        ttl=config.api_key_cache_seconds,
        negative_ttl=config.api_key_negative_cache_seconds,
        touch_interval=config.api_key_touch_interval_seconds,
    )
    redis = create_redis(config.redis_url or service.redis_url) if config.revocation_feed else None
    edge = IdentityEdge(
        keys, lookup, redis, config.revocation_wait_seconds, config.trust_forwarded_for
    )
    edge.closers.append(directus.aclose)
    if redis is not None:
        edge.closers.append(redis.aclose)
    return edge


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Identifies every request's caller and passes it to subgraphs in an internal token."""
    config = load_settings(IdentitySettings, "identity", settings)
    if not config.enabled:
        return
    edge = build_edge(config)
    _EDGES[pipeline] = edge
    pipeline.hook(Stage.ROUTER_REQUEST, edge.identify)
    pipeline.hook(Stage.PLAN_READY, edge.renew_for_subscriptions)
    # Revocations are loaded when the router starts (and on first use where no lifespan runs).
    pipeline.on_startup.append(edge.start)
    pipeline.on_shutdown.append(edge.aclose)
