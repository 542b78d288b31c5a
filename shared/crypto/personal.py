"""Personal data (email, display name): encrypted at rest, with a keyed hash for lookups.

Decision: one personal-data key derived (HKDF-SHA256) from MATEWAY_KEY_ENCRYPTION_KEY, not a
data key per user. Sign-in and invitations look users up by email before any per-user key
could be found, the identity rows are owned by the accounts service rather than by a parent
row that could hold a wrapped key, and erasing a user deletes their row (and with it the
ciphertext and its lookup hash). Each value is still bound to its field and owner id through
the associated data, so an email copied into another user's row does not decrypt there.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.crypto.envelope import open_sealed, seal
from shared.crypto.errors import DecryptionError
from shared.crypto.secret import DataKey

_DERIVATION = b"mateway:personal-data:v1"
_KEY_VERSION = 1  # bumped if the derivation or its secret ever changes


class PersonalField(StrEnum):
    """Which personal value is encrypted or hashed; part of the associated data and hash."""

    EMAIL = "email"
    DISPLAY_NAME = "display_name"


def normalise(field: PersonalField, value: str) -> str:
    """The form that is hashed: emails trimmed and lowercased, names with spaces collapsed."""
    text = unicodedata.normalize("NFKC", value).strip()
    if field is PersonalField.EMAIL:
        return text.lower()
    return " ".join(text.split()).casefold()


class PersonalDataCipher:
    """Encrypts personal values bound to field and owner, and hashes them for lookup."""

    __slots__ = ("_key", "_lookup_key")

    def __init__(self, key: DataKey, lookup_key: bytes) -> None:
        if len(lookup_key) < 16:
            raise ValueError("the lookup hash key is too short")
        self._key = key
        self._lookup_key = lookup_key

    @classmethod
    def from_secrets(cls, key_encryption_key: str, lookup_hash_key: str) -> PersonalDataCipher:
        """Built from the platform secrets MATEWAY_KEY_ENCRYPTION_KEY and _LOOKUP_HASH_KEY."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION)
        key = DataKey(hkdf.derive(key_encryption_key.encode("utf-8")))
        return cls(key, lookup_hash_key.encode("utf-8"))

    def __repr__(self) -> str:
        return "PersonalDataCipher(<keys hidden>)"

    def encrypt(self, field: PersonalField, owner_id: str, value: str) -> str:
        """The stored form of `value` (as given, not normalised) for `owner_id`'s row."""
        return seal(self._key, _KEY_VERSION, value.encode("utf-8"), _aad(field, owner_id))

    def decrypt(self, field: PersonalField, owner_id: str, stored: str) -> str:
        """The value; DecryptionError when it was stored for another field or owner."""
        plaintext = open_sealed(self._key, _KEY_VERSION, stored, _aad(field, owner_id))
        try:
            return plaintext.decode("utf-8")
        except UnicodeDecodeError as error:
            raise DecryptionError("plaintext is not UTF-8") from error

    def lookup_hash(self, field: PersonalField, value: str) -> str:
        """HMAC-SHA256 (hex) of the normalised value, to find a row without decrypting."""
        message = f"mateway:lookup:v1|{field.value}|{normalise(field, value)}"
        return hmac.new(self._lookup_key, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def email_hash(self, email: str) -> str:
        """`lookup_hash` for an email address (trimmed, lowercased)."""
        return self.lookup_hash(PersonalField.EMAIL, email)


def _aad(field: PersonalField, owner_id: str) -> bytes:
    if "|" in owner_id:
        raise ValueError(f"an id may not contain '|': {owner_id!r}")
    return f"mateway:personal:v1|{field.value}|{owner_id}".encode()
