"""The key manager: a data key per chat, wrapped by a key-encryption backend; personal data.

secret     DataKey: key bytes that never show in repr, logs or pickles
envelope   the versioned base64url envelope (format, key version, nonce, ciphertext+tag)
cipher     ChatCipher: AES-256-GCM for message bodies and titles, bound to chat and message
backends   KeyEncryptionBackend; LocalKeyring (keyring file) and VaultTransit (hvac)
cache      KeyCache: unwrapped keys for seconds, in this process only
manager    ChatKeyManager: create, unwrap, rekey, rewrap, destroy
personal   PersonalDataCipher: encrypted email and display name, keyed lookup hash
settings   CryptoSettings; factory builds everything from it
errors     DecryptionError (DATA_INTEGRITY), KeyBackendUnavailable, KeyringError
"""

from shared.crypto.backends.base import KeyEncryptionBackend
from shared.crypto.backends.local import LocalKeyring
from shared.crypto.backends.vault import VaultTransit
from shared.crypto.cipher import ChatCipher
from shared.crypto.errors import DecryptionError, KeyBackendUnavailable, KeyringError
from shared.crypto.factory import (
    build_backend,
    build_chat_key_manager,
    build_personal_data_cipher,
)
from shared.crypto.manager import ChatKeyManager, NewChatKey, RekeyedChat, StoredChatKey
from shared.crypto.personal import PersonalDataCipher, PersonalField
from shared.crypto.secret import DataKey
from shared.crypto.settings import CryptoSettings, KeyBackend

__all__ = [
    "ChatCipher",
    "ChatKeyManager",
    "CryptoSettings",
    "DataKey",
    "DecryptionError",
    "KeyBackend",
    "KeyBackendUnavailable",
    "KeyEncryptionBackend",
    "KeyringError",
    "LocalKeyring",
    "NewChatKey",
    "PersonalDataCipher",
    "PersonalField",
    "RekeyedChat",
    "StoredChatKey",
    "VaultTransit",
    "build_backend",
    "build_chat_key_manager",
    "build_personal_data_cipher",
]
