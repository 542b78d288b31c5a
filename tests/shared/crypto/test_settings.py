"""CryptoSettings from the environment and the factory that builds the key manager from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.crypto import (
    CryptoSettings,
    KeyBackend,
    KeyringError,
    LocalKeyring,
    VaultTransit,
    build_chat_key_manager,
    build_personal_data_cipher,
)
from shared.crypto.backends import keyfile
from tests.support.openbao import OpenBaoServer


def test_defaults_use_the_local_keyring_in_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MATEWAY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MATEWAY_KEY_ENCRYPTION_KEY", "kek-from-secrets-env")
    settings = CryptoSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.key_backend is KeyBackend.LOCAL
    assert settings.resolved_keyring_path == tmp_path / "keyring.json"
    manager = build_chat_key_manager(settings)
    assert isinstance(manager.backend, LocalKeyring)
    # Sealed under the platform secret from the environment.
    text = (tmp_path / "keyring.json").read_text()
    master = keyfile.master_key("kek-from-secrets-env")
    assert keyfile.from_json(text, master, tmp_path / "keyring.json").current == 1


def test_production_refuses_an_unsealed_local_keyring(tmp_path: Path) -> None:
    settings = CryptoSettings(
        _env_file=None,  # type: ignore[call-arg]
        environment="production",
        keyring_path=tmp_path / "k.json",
        key_encryption_key=None,
    )
    with pytest.raises(KeyringError, match="MATEWAY_KEY_ENCRYPTION_KEY"):
        build_chat_key_manager(settings)


def test_vault_backend_from_environment(
    monkeypatch: pytest.MonkeyPatch, openbao: OpenBaoServer
) -> None:
    monkeypatch.setenv("MATEWAY_KEY_BACKEND", "vault")
    monkeypatch.setenv("MATEWAY_VAULT_URL", openbao.url)
    monkeypatch.setenv("MATEWAY_VAULT_TOKEN", openbao.token)
    monkeypatch.setenv("MATEWAY_VAULT_KEY_NAME", "from-env")
    monkeypatch.setenv("MATEWAY_KEY_CACHE_TTL_SECONDS", "3")
    manager = build_chat_key_manager(CryptoSettings(_env_file=None))  # type: ignore[call-arg]
    assert isinstance(manager.backend, VaultTransit)
    assert manager.backend.key_name == "from-env"
    assert manager.cache.ttl_seconds == 3


def test_vault_backend_without_a_token_is_a_clear_error() -> None:
    settings = CryptoSettings(_env_file=None, key_backend="vault")  # type: ignore[call-arg]
    with pytest.raises(KeyringError, match="MATEWAY_VAULT_TOKEN"):
        build_chat_key_manager(settings)


def test_personal_data_cipher_needs_both_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATEWAY_KEY_ENCRYPTION_KEY", "kek-from-secrets-env")
    monkeypatch.delenv("MATEWAY_LOOKUP_HASH_KEY", raising=False)
    with pytest.raises(KeyringError, match="MATEWAY_LOOKUP_HASH_KEY"):
        build_personal_data_cipher(CryptoSettings(_env_file=None))  # type: ignore[call-arg]
    monkeypatch.setenv("MATEWAY_LOOKUP_HASH_KEY", "lookup-from-secrets-env")
    personal = build_personal_data_cipher(CryptoSettings(_env_file=None))  # type: ignore[call-arg]
    assert len(personal.email_hash("a@b.c")) == 64


def test_vault_token_is_a_secret_in_settings() -> None:
    settings = CryptoSettings(_env_file=None, vault_token="s3cr3t-token")  # type: ignore[call-arg]
    assert "s3cr3t-token" not in repr(settings)
