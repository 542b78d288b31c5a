"""Purpose-specific keys derived from MATEWAY_SIGNING_KEY with HKDF-SHA256."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.errors import ErrorCode, MatewayError
from shared.settings import ServiceSettings

ACCESS_TOKEN_INFO = b"mateway access token v1"
INTERNAL_TOKEN_INFO = b"mateway internal token v1"
API_KEY_HASH_INFO = b"mateway api key hash v1"


def derive_key(secret: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA256 of the platform secret for one purpose (named by `info`)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


@dataclass(frozen=True)
class TokenKeys:
    """The derived keys one process needs: Ed25519 pairs for each token type and an HMAC key."""

    access_private: Ed25519PrivateKey = field(repr=False)
    internal_private: Ed25519PrivateKey = field(repr=False)
    api_key_hash_key: bytes = field(repr=False)

    @property
    def access_public(self) -> Ed25519PublicKey:
        """Verifies access tokens."""
        return self.access_private.public_key()

    @property
    def internal_public(self) -> Ed25519PublicKey:
        """Verifies internal (router to subgraph) tokens."""
        return self.internal_private.public_key()

    @classmethod
    def from_secret(cls, secret: str | bytes) -> TokenKeys:
        """Derive every key from the platform signing secret; refuses an empty secret."""
        raw = secret.encode() if isinstance(secret, str) else secret
        if not raw:
            raise MatewayError(
                ErrorCode.UNAVAILABLE,
                "Tokens are not configured on this server (set MATEWAY_SIGNING_KEY)",
            )
        return _derive(raw)


@lru_cache(maxsize=8)
def _derive(raw: bytes) -> TokenKeys:
    """Derivation is cached: a process derives its keys once per secret, not per request."""
    return TokenKeys(
        access_private=Ed25519PrivateKey.from_private_bytes(derive_key(raw, ACCESS_TOKEN_INFO)),
        internal_private=Ed25519PrivateKey.from_private_bytes(derive_key(raw, INTERNAL_TOKEN_INFO)),
        api_key_hash_key=derive_key(raw, API_KEY_HASH_INFO),
    )


def keys_from_settings(settings: ServiceSettings) -> TokenKeys:
    """The keys of a service from its MATEWAY_SIGNING_KEY; UNAVAILABLE when it is not set."""
    secret = settings.signing_key.get_secret_value() if settings.signing_key else ""
    return TokenKeys.from_secret(secret)
