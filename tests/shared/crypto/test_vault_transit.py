"""VaultTransit against a real OpenBao dev server: derived keys, rotation, rewrap, errors."""

from __future__ import annotations

import hvac
import pytest

from shared.crypto import (
    DataKey,
    DecryptionError,
    KeyBackendUnavailable,
    KeyringError,
    VaultTransit,
)
from tests.support.openbao import OpenBaoServer
from tests.support.ports import free_port


def test_the_transit_key_is_created_derived(
    openbao: OpenBaoServer, vault_transit: VaultTransit
) -> None:
    client = hvac.Client(url=openbao.url, token=openbao.token)
    data = client.secrets.transit.read_key(vault_transit.key_name, mount_point="transit")["data"]
    assert data["derived"] is True
    assert vault_transit.key_version == 1


def test_wrap_and_unwrap_round_trip_bound_to_the_chat(vault_transit: VaultTransit) -> None:
    key = DataKey.generate()
    wrapped = vault_transit.wrap(key, "chat-a")
    assert wrapped.startswith("vault:v1:")
    assert vault_transit.unwrap(wrapped, "chat-a") == key
    with pytest.raises(DecryptionError):
        vault_transit.unwrap(wrapped, "chat-b")


def test_tampered_wrapped_key_is_a_decryption_error(vault_transit: VaultTransit) -> None:
    wrapped = vault_transit.wrap(DataKey.generate(), "chat-a")
    body = wrapped.removeprefix("vault:v1:")
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    for bad in [f"vault:v1:{flipped}", "vault:v1:bm90IGEga2V5", "local:v1:xyz"]:
        with pytest.raises(DecryptionError):
            vault_transit.unwrap(bad, "chat-a")


def test_rotation_keeps_old_wraps_readable_and_rewrap_moves_them(
    vault_transit: VaultTransit,
) -> None:
    key = DataKey.generate()
    old = vault_transit.wrap(key, "chat-a")
    assert vault_transit.rotate() == 2
    assert vault_transit.wrapped_version(vault_transit.wrap(key, "chat-b")) == 2
    assert vault_transit.unwrap(old, "chat-a") == key
    moved = vault_transit.rewrap(old, "chat-a")
    assert vault_transit.wrapped_version(moved) == 2
    assert vault_transit.unwrap(moved, "chat-a") == key
    with pytest.raises(DecryptionError):
        vault_transit.rewrap(old, "chat-b")


def test_an_existing_non_derived_key_is_refused(openbao: OpenBaoServer) -> None:
    client = hvac.Client(url=openbao.url, token=openbao.token)
    client.secrets.transit.create_key("not-derived", mount_point="transit")
    with pytest.raises(KeyringError, match="not derived"):
        VaultTransit.connect(openbao.url, openbao.token, "not-derived")


def test_a_wrong_token_is_unavailable_not_an_integrity_error(openbao: OpenBaoServer) -> None:
    with pytest.raises(KeyBackendUnavailable) as caught:
        VaultTransit.connect(openbao.url, "wrong-token", "chats-x")
    assert "wrong-token" not in str(caught.value)


def test_an_unreachable_vault_is_unavailable() -> None:
    with pytest.raises(KeyBackendUnavailable):
        VaultTransit.connect(f"http://127.0.0.1:{free_port()}", "token", "chats", timeout=1)


def test_repr_does_not_show_the_token(openbao: OpenBaoServer, vault_transit: VaultTransit) -> None:
    assert openbao.token not in repr(vault_transit)
