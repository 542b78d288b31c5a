"""The interface every key-encryption backend implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from shared.crypto.secret import DataKey


@runtime_checkable
class KeyEncryptionBackend(Protocol):
    """Wraps data keys with a versioned key-encryption key (KEK) that never leaves the backend.

    `context` (the chat id, or another owner id) is bound into every wrap: a wrapped key
    copied to another chat's row does not unwrap there. `rewrap` also takes the context
    because both backends authenticate it (Vault's derived keys need it to find the key).
    """

    @property
    def name(self) -> str:
        """Short backend name ("local", "vault")."""
        ...

    @property
    def blocking(self) -> bool:
        """True when calls do network I/O, so async callers run them in a thread."""
        ...

    @property
    def key_version(self) -> int:
        """The KEK version new wraps use."""
        ...

    def wrap(self, data_key: DataKey, context: str) -> str:
        """The data key encrypted under the newest KEK, bound to `context`."""
        ...

    def unwrap(self, wrapped: str, context: str) -> DataKey:
        """The data key; DecryptionError when `wrapped` is tampered or from another context."""
        ...

    def rotate(self) -> int:
        """Add a new KEK version that new wraps use; returns it. Old versions still unwrap."""
        ...

    def rewrap(self, wrapped: str, context: str) -> str:
        """The same data key wrapped under the newest KEK (ciphertexts stay untouched)."""
        ...

    def wrapped_version(self, wrapped: str) -> int:
        """The KEK version a wrapped key was made with (no decryption)."""
        ...
