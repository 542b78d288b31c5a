"""The key manager's typed errors: integrity failures for clients, configuration for admins."""

from __future__ import annotations

from shared.errors import ErrorCode, MatewayError

# One message for every integrity failure: telling a client *why* (wrong row, wrong chat,
# flipped byte) would help an attacker probe, and the cause is the same: the data is unusable.
INTEGRITY_MESSAGE = "Stored data failed its integrity check"


class DecryptionError(MatewayError):
    """A ciphertext or wrapped key did not authenticate: tampered, moved, or its key is gone."""

    def __init__(self, reason: str) -> None:
        super().__init__(ErrorCode.DATA_INTEGRITY, INTEGRITY_MESSAGE)
        # Kept for logs and tests only; `context` (sent to clients) stays empty.
        self.reason = reason

    def __str__(self) -> str:
        return f"{INTEGRITY_MESSAGE}: {self.reason}"


class KeyBackendUnavailable(MatewayError):
    """The key-encryption backend (e.g. Vault) could not be reached or refused the request."""

    def __init__(self, reason: str) -> None:
        super().__init__(ErrorCode.UNAVAILABLE, "The key service is unavailable")
        self.reason = reason

    def __str__(self) -> str:
        return f"The key service is unavailable: {self.reason}"


class KeyringError(RuntimeError):
    """The key configuration is unusable (unreadable keyring, missing secret, retired version)."""
