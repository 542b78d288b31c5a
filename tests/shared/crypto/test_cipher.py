"""ChatCipher and its envelope: round trips, and every kind of tampering is a typed error."""

from __future__ import annotations

import base64

import pytest

from shared.crypto import ChatCipher, DataKey, DecryptionError
from shared.crypto.envelope import NONCE_BYTES, Envelope
from shared.errors import ErrorCode


@pytest.fixture
def chat() -> ChatCipher:
    return ChatCipher("chat-a", DataKey.generate())


def _flip(stored: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(stored + "=" * (-len(stored) % 4)))
    raw[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def test_message_and_title_round_trip_including_unicode_and_empty(chat: ChatCipher) -> None:
    for body in ["hello", "", "emoji 🔐 and ümlauts", "x" * 100_000]:
        assert chat.decrypt_message("m1", chat.encrypt_message("m1", body)) == body
    assert chat.decrypt_title(chat.encrypt_title("Trip to Lyon")) == "Trip to Lyon"


def test_each_encryption_uses_a_fresh_nonce(chat: ChatCipher) -> None:
    stored = [chat.encrypt_message("m1", "same text") for _ in range(50)]
    nonces = {Envelope.decode(text).nonce for text in stored}
    assert len(nonces) == 50
    assert all(len(nonce) == NONCE_BYTES for nonce in nonces)


def test_envelope_is_compact_base64url_with_version_and_key_version(chat: ChatCipher) -> None:
    stored = ChatCipher("chat-a", chat.data_key, key_version=7).encrypt_message("m1", "hi")
    assert set(stored) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    raw = base64.urlsafe_b64decode(stored + "=" * (-len(stored) % 4))
    assert raw[0] == 1
    assert int.from_bytes(raw[1:5], "big") == 7
    assert len(raw) == 5 + 12 + len(b"hi") + 16


def test_ciphertext_swapped_between_messages_fails_for_both(chat: ChatCipher) -> None:
    first = chat.encrypt_message("m1", "first")
    second = chat.encrypt_message("m2", "second")
    for message_id, stored in [("m1", second), ("m2", first)]:
        with pytest.raises(DecryptionError) as caught:
            chat.decrypt_message(message_id, stored)
        assert caught.value.code is ErrorCode.DATA_INTEGRITY


def test_ciphertext_moved_to_another_chat_with_the_same_key_still_fails() -> None:
    key = DataKey.generate()
    stored = ChatCipher("chat-a", key).encrypt_message("m1", "secret")
    with pytest.raises(DecryptionError):
        ChatCipher("chat-b", key).decrypt_message("m1", stored)


def test_ciphertext_moved_to_another_chat_with_its_own_key_fails(chat: ChatCipher) -> None:
    stored = chat.encrypt_message("m1", "secret")
    other = ChatCipher("chat-b", DataKey.generate())
    with pytest.raises(DecryptionError):
        other.decrypt_message("m1", stored)


def test_title_cannot_be_read_as_a_message_or_the_reverse(chat: ChatCipher) -> None:
    with pytest.raises(DecryptionError):
        chat.decrypt_message("m1", chat.encrypt_title("title"))
    with pytest.raises(DecryptionError):
        chat.decrypt_title(chat.encrypt_message("m1", "body"))


def test_flipping_any_single_byte_fails_authentication(chat: ChatCipher) -> None:
    stored = chat.encrypt_message("m1", "a message of some length")
    length = len(base64.urlsafe_b64decode(stored + "=" * (-len(stored) % 4)))
    for index in range(length):
        with pytest.raises(DecryptionError):
            chat.decrypt_message("m1", _flip(stored, index))


def test_wrong_key_version_is_a_decryption_error(chat: ChatCipher) -> None:
    stored = chat.encrypt_message("m1", "old key")
    newer = ChatCipher("chat-a", chat.data_key, key_version=2)
    with pytest.raises(DecryptionError, match="key version 1, expected 2"):
        newer.decrypt_message("m1", stored)


@pytest.mark.parametrize("garbage", ["", "not base64 !!", "AAAA", "é", "A" * 10])
def test_malformed_stored_text_is_a_decryption_error_not_a_crash(
    chat: ChatCipher, garbage: str
) -> None:
    with pytest.raises(DecryptionError):
        chat.decrypt_message("m1", garbage)


def test_stray_characters_in_stored_text_are_refused(chat: ChatCipher) -> None:
    stored = chat.encrypt_message("m1", "some words")
    for stray in ["+", "/", "=", " ", "\n"]:
        with pytest.raises(DecryptionError, match="base64url"):
            chat.decrypt_message("m1", stored[:8] + stray + stored[8:])


def test_truncated_ciphertext_fails(chat: ChatCipher) -> None:
    stored = chat.encrypt_message("m1", "some words")
    with pytest.raises(DecryptionError):
        chat.decrypt_message("m1", stored[:-4])


def test_ids_containing_the_separator_are_refused(chat: ChatCipher) -> None:
    with pytest.raises(ValueError, match="'\\|'"):
        chat.encrypt_message("m1|x", "body")


def test_decryption_error_sends_no_details_to_clients(chat: ChatCipher) -> None:
    with pytest.raises(DecryptionError) as caught:
        chat.decrypt_message("m2", chat.encrypt_message("m1", "x"))
    assert caught.value.extensions() == {"code": "DATA_INTEGRITY"}
    assert caught.value.message == "Stored data failed its integrity check"


def test_share_token_carries_exactly_the_chat_key(chat: ChatCipher) -> None:
    stored = chat.encrypt_message("m1", "shared text")
    token = chat.data_key.share_token()
    reader = ChatCipher("chat-a", DataKey.from_share_token(token))
    assert reader.decrypt_message("m1", stored) == "shared text"
    with pytest.raises(ValueError):
        DataKey.from_share_token("too-short")
