"""Keyed hashes for lookups (emails, codes, tokens) and sealing of secrets we must read back.

Lookup hashes are HMAC-SHA256 under MATEWAY_LOOKUP_HASH_KEY with a purpose label, so a
database dump holds no usable email, code or token, and a hash made for one purpose never
matches another. Sealing (AES-256-GCM under a key derived from MATEWAY_SIGNING_KEY) is for
the TOTP secret only; personal data (email, display name) gets its encryption with issue 5,
at the one place users are written (`users.UserRecords.create`).
"""

from __future__ import annotations

import base64
import hmac
import secrets
from hashlib import sha256

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.auth.keys import derive_key
from shared.errors import ErrorCode, MatewayError

TOTP_SEAL_INFO = b"mateway totp secret v1"
NONCE_BYTES = 12


def lookup_hash(key: bytes, purpose: str, value: str) -> str:
    """Hex HMAC-SHA256 of `value` for one purpose (e.g. "email", "refresh")."""
    return hmac.new(key, f"{purpose}\0{value}".encode(), sha256).hexdigest()


def normalise_email(email: str) -> str:
    """The email as hashed: trimmed and lower case."""
    return email.strip().lower()


def email_hash(key: bytes, email: str) -> str:
    """The stored lookup hash of an email address."""
    return lookup_hash(key, "email", normalise_email(email))


class SecretSealer:
    """AES-256-GCM for short secrets bound to a record (the associated data, e.g. a user id)."""

    def __init__(self, signing_secret: bytes) -> None:
        self._aead = AESGCM(derive_key(signing_secret, TOTP_SEAL_INFO))

    def seal(self, plaintext: str, bound_to: str) -> str:
        """Base64 of nonce and ciphertext."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), bound_to.encode())
        return base64.b64encode(nonce + sealed).decode()

    def open(self, stored: str, bound_to: str) -> str:
        """The plaintext of `seal`; INTERNAL when it was tampered with or moved."""
        raw = base64.b64decode(stored)
        try:
            return self._aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], bound_to.encode()
            ).decode()
        except InvalidTag as exc:
            raise MatewayError(ErrorCode.INTERNAL, "A stored secret could not be read") from exc
