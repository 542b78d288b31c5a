"""Key-manager fixtures: a keyring in a temporary folder, transit keys on a real OpenBao."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from shared.crypto import DataKey, KeyEncryptionBackend, LocalKeyring, VaultTransit
from tests.support.openbao import OpenBaoServer, openbao

__all__ = ["openbao"]

MASTER_SECRET = "test-master-secret-not-for-production"


@pytest.fixture
def keyring_path(tmp_path: Path) -> Path:
    """Where the test's keyring file goes (inside a data folder that does not exist yet)."""
    return tmp_path / "data" / "keyring.json"


@pytest.fixture
def local_keyring(keyring_path: Path) -> LocalKeyring:
    """A fresh keyring file sealed under a test master secret."""
    return LocalKeyring(keyring_path, MASTER_SECRET)


@pytest.fixture
def vault_transit(openbao: OpenBaoServer) -> VaultTransit:
    """A backend on its own new derived transit key (tests do not share key versions)."""
    return VaultTransit.connect(
        openbao.url, openbao.token, f"chats-{secrets.token_hex(4)}", openbao.transit_mount
    )


@pytest.fixture(params=["local_keyring", "vault_transit"], ids=["local", "vault"])
def backend(request: pytest.FixtureRequest) -> KeyEncryptionBackend:
    """Each backend in turn, for behaviour both must share."""
    chosen: KeyEncryptionBackend = request.getfixturevalue(request.param)
    return chosen


class CountingBackend:
    """Wraps a backend and counts unwraps, to tell cache hits from misses."""

    def __init__(self, inner: KeyEncryptionBackend) -> None:
        self.inner = inner
        self.unwraps = 0
        self.name = inner.name
        self.blocking = inner.blocking

    @property
    def key_version(self) -> int:
        return self.inner.key_version

    def wrap(self, data_key: DataKey, context: str) -> str:
        return self.inner.wrap(data_key, context)

    def unwrap(self, wrapped: str, context: str) -> DataKey:
        self.unwraps += 1
        return self.inner.unwrap(wrapped, context)

    def rotate(self) -> int:
        return self.inner.rotate()

    def rewrap(self, wrapped: str, context: str) -> str:
        return self.inner.rewrap(wrapped, context)

    def wrapped_version(self, wrapped: str) -> int:
        return self.inner.wrapped_version(wrapped)


@pytest.fixture
def counting() -> Callable[[KeyEncryptionBackend], CountingBackend]:
    """Wrap a backend so a test can count its unwraps."""
    return CountingBackend
