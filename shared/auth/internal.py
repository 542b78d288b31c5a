"""Internal tokens: the router's proof to a subgraph of who is calling (60 s EdDSA JWTs).

The router mints one per identity and reuses it for most of its lifetime (``InternalTokenMinter``),
so signing is not per request; a subgraph verifies it locally and caches the result per token
(``InternalTokenVerifier``), so verifying is not per request either.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from typing import Any

import jwt

from shared.auth.keys import TokenKeys
from shared.auth.tokens import ALGORITHM, ISSUER, TokenError, decode_signed
from shared.identity import INTERNAL_TOKEN_HEADER, Identity

INTERNAL_TYPE = "internal"
AUDIENCE = "mateway-subgraph"
INTERNAL_TOKEN_TTL_SECONDS = 60
# A cached token is replaced when less than this is left, so it never expires in flight.
REUSE_MARGIN_SECONDS = 20


def issue_internal_token(
    identity: Identity, *, keys: TokenKeys, ttl_seconds: int = INTERNAL_TOKEN_TTL_SECONDS
) -> tuple[str, int]:
    """A signed internal token carrying `identity`, and its expiry (unix seconds)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        **identity.to_claims(),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "typ": INTERNAL_TYPE,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": secrets.token_urlsafe(9),
    }
    return jwt.encode(claims, keys.internal_private, algorithm=ALGORITHM), now + ttl_seconds


def verify_internal_token(token: str, *, keys: TokenKeys) -> tuple[Identity, int]:
    """The identity in a valid internal token and its expiry; TokenError otherwise."""
    claims = decode_signed(token, keys.internal_public, typ=INTERNAL_TYPE, audience=AUDIENCE)
    try:
        return Identity.from_claims(claims), int(claims["exp"])
    except (KeyError, ValueError, TypeError) as exc:
        raise TokenError("malformed", "The internal token's identity is not valid") from exc


class InternalTokenMinter:
    """Mints internal tokens, one per identity reused until close to expiry (bounded LRU)."""

    def __init__(self, keys: TokenKeys, maxsize: int = 4096) -> None:
        self.keys = keys
        self.maxsize = maxsize
        self.minted = 0
        self._cache: OrderedDict[Identity, tuple[str, int]] = OrderedDict()

    def token_for(self, identity: Identity) -> str:
        """A valid internal token for `identity` (cached, or freshly signed)."""
        cached = self._cache.get(identity)
        if cached is not None and cached[1] - time.time() > REUSE_MARGIN_SECONDS:
            self._cache.move_to_end(identity)
            return cached[0]
        token, expires = issue_internal_token(identity, keys=self.keys)
        self.minted += 1
        self._cache[identity] = (token, expires)
        self._cache.move_to_end(identity)
        if len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)
        return token

    def forget_user(self, user_id: str) -> None:
        """Drops the cached tokens of a user (after revocation, so none is reused)."""
        for identity in [i for i in self._cache if i.user_id == user_id]:
            del self._cache[identity]


class InternalTokenVerifier:
    """Verifies internal tokens, remembering verified ones until they expire (bounded LRU)."""

    def __init__(self, keys: TokenKeys, maxsize: int = 4096) -> None:
        self.keys = keys
        self.maxsize = maxsize
        self._cache: OrderedDict[str, tuple[Identity, int]] = OrderedDict()

    def verify(self, token: str) -> Identity:
        """The identity of `token`; TokenError when it is not a valid internal token."""
        cached = self._cache.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        identity, expires = verify_internal_token(token, keys=self.keys)
        self._cache[token] = (identity, expires)
        if len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)
        return identity


def service_headers() -> dict[str, str]:
    """The platform's own internal token (kind SERVICE) from MATEWAY_SIGNING_KEY, or {}.

    The router sends it when it reads a subgraph's `_service { sdl }` to compose.
    """
    from shared.settings import ServiceSettings

    settings = ServiceSettings()
    if settings.signing_key is None or not settings.signing_key.get_secret_value():
        return {}
    return internal_headers(
        Identity.service(), TokenKeys.from_secret(settings.signing_key.get_secret_value())
    )


def internal_headers(identity: Identity, keys: TokenKeys) -> dict[str, str]:
    """The header that carries `identity` to a subgraph (for tools and tests)."""
    token, _ = issue_internal_token(identity, keys=keys)
    return {INTERNAL_TOKEN_HEADER: token}
