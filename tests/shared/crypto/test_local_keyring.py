"""LocalKeyring: the keyring file (mode 0600, created once), wrapping, rotation, retiring."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from shared.crypto import DataKey, DecryptionError, KeyringError, LocalKeyring
from shared.crypto.backends import keyfile
from tests.shared.crypto.conftest import MASTER_SECRET


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_creates_the_keyring_file_with_mode_0600(keyring_path: Path) -> None:
    assert not keyring_path.exists()
    keyring = LocalKeyring(keyring_path, MASTER_SECRET)
    assert _mode(keyring_path) == 0o600
    document = json.loads(keyring_path.read_text())
    assert document["current"] == 1 and list(document["keys"]) == ["1"]
    assert document["sealed"] is True
    assert keyring.key_version == 1


def test_existing_keyring_is_reused_not_regenerated(keyring_path: Path) -> None:
    first = LocalKeyring(keyring_path, MASTER_SECRET)
    wrapped = first.wrap(key := DataKey.generate(), "chat-a")
    before = keyring_path.read_bytes()
    second = LocalKeyring(keyring_path, MASTER_SECRET)
    assert keyring_path.read_bytes() == before
    assert second.unwrap(wrapped, "chat-a") == key


def test_a_loosened_file_mode_is_tightened_back_to_0600(keyring_path: Path) -> None:
    LocalKeyring(keyring_path, MASTER_SECRET)
    keyring_path.chmod(0o644)
    LocalKeyring(keyring_path, MASTER_SECRET)
    assert _mode(keyring_path) == 0o600


def test_sealed_keyring_needs_the_master_secret(keyring_path: Path) -> None:
    LocalKeyring(keyring_path, MASTER_SECRET)
    with pytest.raises(KeyringError, match="MATEWAY_KEY_ENCRYPTION_KEY"):
        LocalKeyring(keyring_path)
    with pytest.raises(KeyringError, match="does not open it"):
        LocalKeyring(keyring_path, "another secret")


def test_sealed_file_does_not_contain_the_raw_keks(keyring_path: Path) -> None:
    sealed = LocalKeyring(keyring_path, MASTER_SECRET)
    plain_path = keyring_path.with_name("plain.json")
    LocalKeyring(plain_path)  # unsealed: the development fallback without the secret
    kek = sealed._contents.keys[1].material
    text = keyring_path.read_text()
    for form in (kek.hex(), DataKey(kek).share_token()):
        assert form not in text
    assert json.loads(plain_path.read_text())["sealed"] is False


def test_corrupt_keyring_is_a_clear_error_and_is_not_overwritten(keyring_path: Path) -> None:
    keyring_path.parent.mkdir(parents=True)
    keyring_path.write_text("{not json")
    with pytest.raises(KeyringError, match="not a valid keyring"):
        LocalKeyring(keyring_path, MASTER_SECRET)
    assert keyring_path.read_text() == "{not json"


def test_wrapped_key_is_bound_to_its_context(local_keyring: LocalKeyring) -> None:
    key = DataKey.generate()
    wrapped = local_keyring.wrap(key, "chat-a")
    assert wrapped.startswith("local:v1:")
    assert local_keyring.unwrap(wrapped, "chat-a") == key
    with pytest.raises(DecryptionError):
        local_keyring.unwrap(wrapped, "chat-b")


def test_tampered_or_foreign_wrapped_keys_fail(local_keyring: LocalKeyring) -> None:
    wrapped = local_keyring.wrap(DataKey.generate(), "chat-a")
    for bad in [
        wrapped[:-2] + ("A" if wrapped[-2] != "A" else "B") + wrapped[-1],
        wrapped.replace("local:v1:", "local:v9:"),
        "vault:v1:abc",
        "garbage",
    ]:
        with pytest.raises(DecryptionError):
            local_keyring.unwrap(bad, "chat-a")


def test_rotation_keeps_old_wraps_readable_and_rewrap_moves_them(
    local_keyring: LocalKeyring, keyring_path: Path
) -> None:
    key = DataKey.generate()
    old = local_keyring.wrap(key, "chat-a")
    assert local_keyring.rotate() == 2
    assert local_keyring.versions == [1, 2]
    assert local_keyring.wrap(DataKey.generate(), "chat-b").startswith("local:v2:")
    assert local_keyring.unwrap(old, "chat-a") == key
    moved = local_keyring.rewrap(old, "chat-a")
    assert local_keyring.wrapped_version(moved) == 2
    assert local_keyring.unwrap(moved, "chat-a") == key
    assert local_keyring.rewrap(moved, "chat-a") == moved
    # The rotation is on disk: a new process sees version 2 as current.
    assert LocalKeyring(keyring_path, MASTER_SECRET).key_version == 2


def test_another_process_rotation_is_picked_up_on_unwrap(
    local_keyring: LocalKeyring, keyring_path: Path
) -> None:
    other = LocalKeyring(keyring_path, MASTER_SECRET)
    other.rotate()
    key = DataKey.generate()
    wrapped = other.wrap(key, "chat-a")
    assert local_keyring.unwrap(wrapped, "chat-a") == key
    assert local_keyring.key_version == 2


def test_retire_refuses_the_current_version_and_removes_an_old_one(
    local_keyring: LocalKeyring,
) -> None:
    old = local_keyring.wrap(DataKey.generate(), "chat-a")
    with pytest.raises(KeyringError, match="current"):
        local_keyring.retire(1)
    local_keyring.rotate()
    local_keyring.retire(1)
    assert local_keyring.versions == [2]
    with pytest.raises(DecryptionError, match="version 1 is not in the keyring"):
        local_keyring.unwrap(old, "chat-a")
    with pytest.raises(KeyringError, match="not in"):
        local_keyring.retire(1)


def test_keyring_file_removed_while_running_is_not_silently_recreated(
    local_keyring: LocalKeyring, keyring_path: Path
) -> None:
    keyring_path.unlink()
    with pytest.raises(KeyringError, match="disappeared"):
        local_keyring.rotate()
    assert not keyring_path.exists()


def test_a_keyring_created_concurrently_is_never_overwritten(keyring_path: Path) -> None:
    assert keyfile.create_file(keyring_path, "first")
    assert not keyfile.create_file(keyring_path, "second")
    assert keyring_path.read_text() == "first"
    assert _mode(keyring_path) == 0o600
    assert [p.name for p in keyring_path.parent.iterdir()] == ["keyring.json"]


def test_an_unsealed_keyring_is_sealed_once_the_secret_is_set(keyring_path: Path) -> None:
    unsealed = LocalKeyring(keyring_path)
    wrapped = unsealed.wrap(key := DataKey.generate(), "chat-a")
    assert json.loads(keyring_path.read_text())["sealed"] is False
    sealed = LocalKeyring(keyring_path, MASTER_SECRET)
    assert json.loads(keyring_path.read_text())["sealed"] is True
    assert sealed.unwrap(wrapped, "chat-a") == key
    assert _mode(keyring_path) == 0o600
