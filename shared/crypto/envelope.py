"""The stored form of a ciphertext: a compact, versioned envelope as base64url text.

Layout (before base64url): format version (1 byte), key version (4 bytes, big-endian),
nonce (12 bytes), AES-GCM ciphertext with its 16-byte tag. The 5-byte header is part of the
associated data, so changing the format or key version byte fails authentication too.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.crypto.errors import DecryptionError
from shared.crypto.secret import DataKey

FORMAT_VERSION = 1
NONCE_BYTES = 12  # 96-bit nonces: GCM's native size, random per encryption
TAG_BYTES = 16
_HEADER = struct.Struct(">BI")
_MIN_LENGTH = _HEADER.size + NONCE_BYTES + TAG_BYTES
MAX_KEY_VERSION = 2**32 - 1
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed envelope: which key version sealed it, its nonce and ciphertext with tag."""

    key_version: int
    nonce: bytes
    ciphertext: bytes

    @property
    def header(self) -> bytes:
        """The authenticated header (format version and key version)."""
        return _HEADER.pack(FORMAT_VERSION, self.key_version)

    def encode(self) -> str:
        """The envelope as unpadded base64url text, for a Directus text field."""
        raw = self.header + self.nonce + self.ciphertext
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, text: str) -> Envelope:
        """Parse stored text; anything malformed is a DecryptionError, never a crash."""
        try:
            data = text.encode("ascii")
            # Only the base64url alphabet, unpadded: anything else is refused, never skipped
            # (strict a2b rejects the rest; a regex would cost as much as the decryption).
            if b"+" in data or b"/" in data or b"=" in data:
                raise ValueError("not base64url")
            padded = (data + b"=" * (-len(data) % 4)).translate(_TO_STANDARD)
            raw = binascii.a2b_base64(padded, strict_mode=True)
        except (binascii.Error, ValueError, UnicodeEncodeError) as error:
            raise DecryptionError("envelope is not base64url") from error
        if len(raw) < _MIN_LENGTH:
            raise DecryptionError("envelope is too short")
        version, key_version = _HEADER.unpack_from(raw)
        if version != FORMAT_VERSION:
            raise DecryptionError(f"unknown envelope format {version}")
        nonce = raw[_HEADER.size : _HEADER.size + NONCE_BYTES]
        return cls(key_version, nonce, raw[_HEADER.size + NONCE_BYTES :])


def seal(key: DataKey, key_version: int, plaintext: bytes, associated_data: bytes) -> str:
    """Encrypt `plaintext` with a fresh random nonce, binding `associated_data`."""
    if not 0 < key_version <= MAX_KEY_VERSION:
        raise ValueError(f"key version {key_version} is out of range")
    nonce = secrets.token_bytes(NONCE_BYTES)
    header = _HEADER.pack(FORMAT_VERSION, key_version)
    ciphertext = AESGCM(key.material).encrypt(nonce, plaintext, header + associated_data)
    return Envelope(key_version, nonce, ciphertext).encode()


def open_sealed(key: DataKey, key_version: int, text: str, associated_data: bytes) -> bytes:
    """Decrypt an envelope made by `seal` with the same key, version and associated data."""
    envelope = Envelope.decode(text)
    if envelope.key_version != key_version:
        raise DecryptionError(
            f"sealed with key version {envelope.key_version}, expected {key_version}"
        )
    try:
        return AESGCM(key.material).decrypt(
            envelope.nonce, envelope.ciphertext, envelope.header + associated_data
        )
    except InvalidTag as error:
        raise DecryptionError("authentication failed") from error
