"""API keys: ``mw_<prefix>_<secret>``; only a keyed hash (HMAC-SHA256) and the prefix are stored.

The prefix (8 characters) is shown to the owner to tell keys apart; the secret (43 base62
characters, about 256 bits) is shown once, at creation. The stored hash is keyed with a key
derived from MATEWAY_SIGNING_KEY, so a leaked table cannot be checked against guesses offline.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass

from shared.auth.keys import TokenKeys

API_KEY_PREFIX = "mw_"
_ALPHABET = string.ascii_letters + string.digits
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
PREFIX_LENGTH = 8
SECRET_LENGTH = 43
_FORMAT = re.compile(rf"^mw_([a-z0-9]{{{PREFIX_LENGTH}}})_([A-Za-z0-9]{{{SECRET_LENGTH}}})$")


@dataclass(frozen=True)
class NewApiKey:
    """A freshly made key: the full key (shown once), its display prefix and stored hash."""

    key: str
    prefix: str
    key_hash: str

    def __repr__(self) -> str:
        return f"NewApiKey(prefix={self.prefix!r}, key=***)"


def looks_like_api_key(token: str) -> bool:
    """True when a bearer token is meant as an API key (starts with ``mw_``)."""
    return token.startswith(API_KEY_PREFIX)


def parse_api_key(key: str) -> str | None:
    """The prefix of a well-formed API key, or None."""
    match = _FORMAT.match(key)
    return match.group(1) if match else None


def hash_api_key(key: str, keys: TokenKeys) -> str:
    """The stored form of a key: hex HMAC-SHA256 with the derived API key hash key."""
    return hmac.new(keys.api_key_hash_key, key.encode(), hashlib.sha256).hexdigest()


def new_api_key(keys: TokenKeys) -> NewApiKey:
    """A new random key with its prefix and hash."""
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    secret = "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))
    key = f"{API_KEY_PREFIX}{prefix}_{secret}"
    return NewApiKey(key=key, prefix=prefix, key_hash=hash_api_key(key, keys))
