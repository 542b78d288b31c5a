"""Build the key manager's pieces from CryptoSettings."""

from __future__ import annotations

from shared.crypto.backends.base import KeyEncryptionBackend
from shared.crypto.backends.local import LocalKeyring
from shared.crypto.backends.vault import VaultTransit
from shared.crypto.errors import KeyringError
from shared.crypto.manager import ChatKeyManager
from shared.crypto.personal import PersonalDataCipher
from shared.crypto.settings import CryptoSettings, KeyBackend


def build_backend(settings: CryptoSettings) -> KeyEncryptionBackend:
    """The configured KEK backend (creates the keyring or transit key when missing)."""
    if settings.key_backend is KeyBackend.VAULT:
        if settings.vault_token is None:
            raise KeyringError("MATEWAY_VAULT_TOKEN is required with MATEWAY_KEY_BACKEND=vault")
        return VaultTransit.connect(
            settings.vault_url,
            settings.vault_token.get_secret_value(),
            settings.vault_key_name,
            settings.vault_mount,
            settings.vault_timeout_seconds,
        )
    master = settings.key_encryption_key
    if master is None and settings.is_production:
        raise KeyringError("MATEWAY_KEY_ENCRYPTION_KEY is required in production")
    return LocalKeyring(
        settings.resolved_keyring_path, master.get_secret_value() if master else None
    )


def build_chat_key_manager(settings: CryptoSettings) -> ChatKeyManager:
    """A ChatKeyManager on the configured backend with the configured cache."""
    return ChatKeyManager(
        build_backend(settings), settings.key_cache_ttl_seconds, settings.key_cache_size
    )


def build_personal_data_cipher(settings: CryptoSettings) -> PersonalDataCipher:
    """The personal-data cipher from the platform secrets; both must be set."""
    if settings.key_encryption_key is None or settings.lookup_hash_key is None:
        raise KeyringError(
            "MATEWAY_KEY_ENCRYPTION_KEY and MATEWAY_LOOKUP_HASH_KEY are required for personal data"
        )
    return PersonalDataCipher.from_secrets(
        settings.key_encryption_key.get_secret_value(),
        settings.lookup_hash_key.get_secret_value(),
    )
