"""Message bodies and titles of one chat, encrypted with that chat's data key (AES-256-GCM)."""

from __future__ import annotations

from shared.crypto.envelope import open_sealed, seal
from shared.crypto.errors import DecryptionError
from shared.crypto.secret import DataKey

# Associated data prefixes: purpose and layout version, so a title can never be read as a
# message (or the reverse) and a later layout can change without ambiguity.
MESSAGE_PURPOSE = b"mateway:message:v1"
TITLE_PURPOSE = b"mateway:title:v1"


def _part(value: str) -> bytes:
    """One associated-data field; '|' is refused so fields cannot be shifted into each other."""
    if "|" in value:
        raise ValueError(f"an id may not contain '|': {value!r}")
    return value.encode("utf-8")


def message_associated_data(chat_id: str, message_id: str) -> bytes:
    """What a message ciphertext is bound to: its purpose, chat and message."""
    return b"|".join((MESSAGE_PURPOSE, _part(chat_id), _part(message_id)))


def title_associated_data(chat_id: str) -> bytes:
    """What a title ciphertext is bound to: its purpose and chat."""
    return b"|".join((TITLE_PURPOSE, _part(chat_id)))


class ChatCipher:
    """Encrypts and decrypts one chat's texts; a ciphertext from another row fails to decrypt."""

    __slots__ = ("_key", "chat_id", "key_version")

    def __init__(self, chat_id: str, key: DataKey, key_version: int = 1) -> None:
        self.chat_id = chat_id
        self.key_version = key_version
        self._key = key

    @property
    def data_key(self) -> DataKey:
        """The chat's data key (for a share link's fragment); its repr hides the bytes."""
        return self._key

    def encrypt_message(self, message_id: str, body: str) -> str:
        """The stored form of a message body."""
        aad = message_associated_data(self.chat_id, message_id)
        return seal(self._key, self.key_version, body.encode("utf-8"), aad)

    def decrypt_message(self, message_id: str, stored: str) -> str:
        """The message body; DecryptionError if it belongs to another row, chat or key."""
        aad = message_associated_data(self.chat_id, message_id)
        return _text(open_sealed(self._key, self.key_version, stored, aad))

    def encrypt_title(self, title: str) -> str:
        """The stored form of the chat's title."""
        aad = title_associated_data(self.chat_id)
        return seal(self._key, self.key_version, title.encode("utf-8"), aad)

    def decrypt_title(self, stored: str) -> str:
        """The chat's title; DecryptionError if it belongs to another chat or key."""
        aad = title_associated_data(self.chat_id)
        return _text(open_sealed(self._key, self.key_version, stored, aad))

    def __repr__(self) -> str:
        return f"ChatCipher(chat_id={self.chat_id!r}, key_version={self.key_version})"


def _text(plaintext: bytes) -> str:
    """Decode authenticated plaintext (cannot fail for our own ciphertexts; typed if it does)."""
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DecryptionError("plaintext is not UTF-8") from error
