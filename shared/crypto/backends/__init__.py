"""Key-encryption backends: the local keyring file and Vault (OpenBao) transit."""

from shared.crypto.backends.base import KeyEncryptionBackend

__all__ = ["KeyEncryptionBackend"]
