"""ChatKeyManager on both backends: keys per chat, cache, rekey, rotation, crypto-shredding."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from shared.crypto import (
    ChatCipher,
    ChatKeyManager,
    DataKey,
    DecryptionError,
    KeyEncryptionBackend,
    LocalKeyring,
    StoredChatKey,
)
from shared.crypto.backends import keyfile
from tests.shared.crypto.conftest import MASTER_SECRET, CountingBackend

Counting = Callable[[KeyEncryptionBackend], CountingBackend]


async def test_each_chat_gets_its_own_key_and_round_trips(backend: KeyEncryptionBackend) -> None:
    manager = ChatKeyManager(backend)
    first = await manager.create_chat_key("chat-a")
    second = await manager.create_chat_key("chat-b")
    assert first.cipher.data_key != second.cipher.data_key
    stored = first.cipher.encrypt_message("m1", "hello")
    fresh = ChatKeyManager(backend)  # another process: nothing cached
    assert (await fresh.cipher("chat-a", first.stored)).decrypt_message("m1", stored) == "hello"
    with pytest.raises(DecryptionError):
        (await fresh.cipher("chat-b", second.stored)).decrypt_message("m1", stored)


async def test_a_stored_key_copied_to_another_chat_does_not_unwrap(
    backend: KeyEncryptionBackend,
) -> None:
    manager = ChatKeyManager(backend, cache_ttl_seconds=0)
    new = await manager.create_chat_key("chat-a")
    with pytest.raises(DecryptionError):
        await manager.cipher("chat-b", new.stored)


async def test_unwrapped_keys_are_cached_until_the_ttl_expires(
    local_keyring: LocalKeyring, counting: Counting
) -> None:
    backend = counting(local_keyring)
    writer = ChatKeyManager(local_keyring)
    stored = (await writer.create_chat_key("chat-a")).stored
    now = [100.0]
    manager = ChatKeyManager(backend, cache_ttl_seconds=5)
    manager.cache._clock = lambda: now[0]
    await manager.cipher("chat-a", stored)
    await manager.cipher("chat-a", stored)
    assert backend.unwraps == 1
    now[0] += 5.1
    await manager.cipher("chat-a", stored)
    assert backend.unwraps == 2


async def test_the_cache_is_bounded_least_recently_used_first(
    local_keyring: LocalKeyring, counting: Counting
) -> None:
    backend = counting(local_keyring)
    manager = ChatKeyManager(backend, cache_size=2)
    stored = {chat: (await manager.create_chat_key(chat)).stored for chat in ["a", "b", "c"]}
    assert len(manager.cache) == 2
    await manager.cipher("b", stored["b"])
    await manager.cipher("c", stored["c"])
    assert backend.unwraps == 0
    await manager.cipher("a", stored["a"])
    assert backend.unwraps == 1


async def test_destroy_evicts_the_cached_key(
    local_keyring: LocalKeyring, counting: Counting
) -> None:
    backend = counting(local_keyring)
    manager = ChatKeyManager(backend)
    stored = (await manager.create_chat_key("chat-a")).stored
    manager.destroy("chat-a")
    assert len(manager.cache) == 0
    await manager.cipher("chat-a", stored)
    assert backend.unwraps == 1


async def test_crypto_shredding_leaves_nothing_that_decrypts(
    local_keyring: LocalKeyring, keyring_path: Path
) -> None:
    manager = ChatKeyManager(local_keyring)
    row = {"id": "chat-a", "key": (await manager.create_chat_key("chat-a")).stored}
    message = (await manager.cipher("chat-a", row["key"])).encrypt_message("m1", "canary-42")
    manager.destroy("chat-a")
    del row["key"]  # the chat service deletes the row holding the wrapped key: the shred
    assert len(manager.cache) == 0
    # Even with the keyring file and its master secret, no key in it opens the message.
    keyring_text = keyring_path.read_text()  # noqa: ASYNC240 (a small local file)
    contents = keyfile.from_json(keyring_text, keyfile.master_key(MASTER_SECRET), keyring_path)
    for version, kek in contents.keys.items():
        for key_version in (1, version):
            with pytest.raises(DecryptionError):
                ChatCipher("chat-a", kek, key_version).decrypt_message("m1", message)
    assert "canary-42" not in keyring_text
    # Another chat's key (same keyring) does not open it either.
    other = await manager.create_chat_key("chat-b")
    with pytest.raises(DecryptionError):
        ChatCipher("chat-a", other.cipher.data_key).decrypt_message("m1", message)


async def test_rekey_re_encrypts_texts_and_the_old_key_reads_nothing_new(
    backend: KeyEncryptionBackend,
) -> None:
    manager = ChatKeyManager(backend)
    created = await manager.create_chat_key("chat-a")
    messages = {f"m{i}": created.cipher.encrypt_message(f"m{i}", f"body {i}") for i in range(3)}
    title = created.cipher.encrypt_title("My chat")
    shared_key = created.cipher.data_key  # what an old share link carried
    rekeyed = await manager.rekey("chat-a", created.stored, messages, title)
    assert StoredChatKey.parse(rekeyed.stored).data_key_version == 2
    cipher = await ChatKeyManager(backend).cipher("chat-a", rekeyed.stored)
    assert cipher.key_version == 2
    assert {mid: cipher.decrypt_message(mid, text) for mid, text in rekeyed.messages.items()} == {
        f"m{i}": f"body {i}" for i in range(3)
    }
    assert rekeyed.title is not None and cipher.decrypt_title(rekeyed.title) == "My chat"
    old = ChatCipher("chat-a", shared_key, 2)
    with pytest.raises(DecryptionError):
        old.decrypt_message("m0", rekeyed.messages["m0"])
    assert await manager.cipher("chat-a", rekeyed.stored) is rekeyed.cipher


async def test_rekey_with_a_tampered_text_fails_without_a_partial_result(
    local_keyring: LocalKeyring,
) -> None:
    manager = ChatKeyManager(local_keyring)
    created = await manager.create_chat_key("chat-a")
    good = created.cipher.encrypt_message("m1", "one")
    messages = {"m1": good, "m2": good}  # m2 holds m1's ciphertext: moved row
    with pytest.raises(DecryptionError):
        await manager.rekey("chat-a", created.stored, messages)
    assert (await manager.cipher("chat-a", created.stored)).decrypt_message("m1", good) == "one"


async def test_rotation_then_rewrap_moves_keys_and_leaves_messages_untouched(
    backend: KeyEncryptionBackend,
) -> None:
    manager = ChatKeyManager(backend)
    created = await manager.create_chat_key("chat-a")
    message = created.cipher.encrypt_message("m1", "before rotation")
    backend.rotate()
    assert manager.needs_rewrap(created.stored)
    still = await ChatKeyManager(backend).cipher("chat-a", created.stored)
    assert still.decrypt_message("m1", message) == "before rotation"
    moved = await manager.rewrap("chat-a", created.stored)
    assert not manager.needs_rewrap(moved)
    assert backend.wrapped_version(StoredChatKey.parse(moved).wrapped) == backend.key_version
    cipher = await ChatKeyManager(backend).cipher("chat-a", moved)
    assert cipher.decrypt_message("m1", message) == "before rotation"
    assert cipher.data_key == created.cipher.data_key


async def test_a_rewrapped_key_is_not_served_from_the_old_cache_entry(
    local_keyring: LocalKeyring, counting: Counting
) -> None:
    backend = counting(local_keyring)
    manager = ChatKeyManager(backend)
    created = await manager.create_chat_key("chat-a")
    local_keyring.rotate()
    moved = await manager.rewrap("chat-a", created.stored)
    await manager.cipher("chat-a", moved)
    assert backend.unwraps == 1


@pytest.mark.parametrize("stored", ["", "nope", "x.local:v1:abc", "1.local:v1:AAAA"])
async def test_malformed_stored_keys_are_decryption_errors(
    local_keyring: LocalKeyring, stored: str
) -> None:
    with pytest.raises(DecryptionError):
        await ChatKeyManager(local_keyring).cipher("chat-a", stored)


def test_the_keyring_holds_no_data_key(local_keyring: LocalKeyring, keyring_path: Path) -> None:
    key = DataKey.generate()
    local_keyring.wrap(key, "chat-a")
    text = keyring_path.read_text()
    assert key.share_token() not in text and key.material.hex() not in text
    assert set(json.loads(text)) == {"format", "sealed", "current", "keys"}
