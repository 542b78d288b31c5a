"""Credentials of the platform: access tokens, internal tokens, API keys and revocation.

Every key here is derived from the one platform secret ``MATEWAY_SIGNING_KEY`` with HKDF
(one ``info`` label per purpose), so no new secret files are needed and a key used for one
purpose can never verify another purpose's tokens.
"""

from shared.auth.keys import TokenKeys, keys_from_settings
from shared.auth.tokens import (
    ACCESS_TOKEN_TTL,
    TokenError,
    decode_access_token,
    issue_access_token,
    verify_access_token,
)

__all__ = [
    "ACCESS_TOKEN_TTL",
    "TokenError",
    "TokenKeys",
    "decode_access_token",
    "issue_access_token",
    "keys_from_settings",
    "verify_access_token",
]
