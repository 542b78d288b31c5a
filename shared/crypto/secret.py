"""Key material in a wrapper that never shows itself in repr, str, logs or pickles."""

from __future__ import annotations

import base64
import hmac
import secrets
from typing import NoReturn

DATA_KEY_BYTES = 32  # AES-256


class DataKey:
    """A 256-bit key; `material` is the only way to read it, and nothing prints it."""

    __slots__ = ("_material",)

    def __init__(self, material: bytes) -> None:
        if len(material) != DATA_KEY_BYTES:
            raise ValueError(f"a data key has {DATA_KEY_BYTES} bytes")
        self._material = bytes(material)

    @classmethod
    def generate(cls) -> DataKey:
        """A fresh random key from the operating system's CSPRNG."""
        return cls(secrets.token_bytes(DATA_KEY_BYTES))

    @classmethod
    def from_share_token(cls, token: str) -> DataKey:
        """The key a share link carried in its URL fragment (see `share_token`)."""
        padded = token + "=" * (-len(token) % 4)
        try:
            material = base64.urlsafe_b64decode(padded.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as error:
            raise ValueError("not a share token") from error
        return cls(material)

    @property
    def material(self) -> bytes:
        """The raw key bytes, for the cipher that uses them; never log or store them."""
        return self._material

    def share_token(self) -> str:
        """The key as base64url, only for a share link's URL fragment (never sent to the server)."""
        return base64.urlsafe_b64encode(self._material).rstrip(b"=").decode("ascii")

    def __repr__(self) -> str:
        return "DataKey(<hidden>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DataKey):
            return NotImplemented
        return hmac.compare_digest(self._material, other._material)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> NoReturn:
        # Pickling is how objects reach Redis or a Celery queue; a key must never go there.
        raise TypeError("a DataKey cannot be pickled")

    def __format__(self, spec: str) -> str:
        return repr(self)
