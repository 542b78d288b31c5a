"""Share links: `<base>/share/<token>#<chat key>`; revoking re-keys the chat.

The token is random and stored only as its SHA-256 (a 256-bit random token needs no slow
or keyed hash) next to the chat id: it says *which* chat may be read. The chat's data key
rides in the URL fragment, which browsers never send to servers; the share row holds no
copy of it. Reading a share needs both: the token finds the chat, the client's key opens it.
Revoking deletes the tokens and re-keys the chat, so an old link's key opens nothing stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from shared.crypto import ChatCipher, DataKey, DecryptionError, StoredChatKey
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.chats.ids import check_id, unpad_title
from subgraphs.core.chats.service import ChatService
from subgraphs.core.chats.store import ChatStore, Row, not_found

TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 128
# A shared chat is read in one go; longer chats show their newest messages.
MAX_SHARED_MESSAGES = 1000


def token_hash(token: str) -> str:
    """What is stored of a share token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def wrong_key() -> MatewayError:
    """The answer when the link's key does not open the chat (mangled or from before revoke)."""
    return MatewayError(
        ErrorCode.BAD_USER_INPUT,
        "The share link's key does not open this chat; ask for a new link",
        reason="wrong_key",
    )


@dataclass(frozen=True)
class SharedRead:
    """A shared chat decrypted with the client's key."""

    title: str | None
    messages: list[Row]  # oldest first; bodies are decrypted per field (types.py)
    cipher: ChatCipher


async def share_chat(chats: ChatService, chat_id: str, base_url: str) -> str:
    """A new share link for the owner's chat."""
    chat = await chats.open(chat_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await chats.store.add_share(chat.id, token_hash(token))
    fragment = chat.cipher.data_key.share_token()
    return f"{base_url.rstrip('/')}/share/{token}#{fragment}"


async def revoke_share(chats: ChatService, chat_id: str) -> None:
    """Delete the chat's share tokens and re-key it (new data key, texts re-encrypted)."""
    async with chats.chat_lock(check_id(chat_id, "chatId")) as held:
        chat = await chats.open(chat_id)
        # Tokens first: from here on no link finds the chat, even if the rekey fails.
        await chats.store.delete_shares(chat.id)
        bodies = await chats.store.all_message_bodies(chat.id)
        title = chat.row.get("title_ciphertext")
        rekeyed = await chats.keys.rekey(chat.id, str(chat.row["wrapped_key"]), bodies, title)
        # Messages before the key: a failure in between leaves new-key messages under the
        # old key, which the retry cannot fix; this order is only safe because the batch
        # update is one transaction and the chat row update is a single write.
        await chats.store.update_message_bodies(rekeyed.messages)
        await chats.store.update_chat(
            chat.id, {"wrapped_key": rekeyed.stored, "title_ciphertext": rekeyed.title}
        )
        # Other processes' cached rows hold the old key: a new generation makes them re-read.
        await held.new_generation()
        chats.rows.evict(chat.id)
        await chats.recent.forget(chat.id)  # its window holds texts under the old key
        chats.keys.destroy(chat.id)


async def read_shared(store: ChatStore, token: str, key_text: str) -> SharedRead:
    """The shared chat's title and messages (oldest first), decrypted with the client's key."""
    if not 0 < len(token) <= MAX_TOKEN_CHARS or not 0 < len(key_text) <= MAX_TOKEN_CHARS:
        raise not_found("share link")
    chat_id = await store.shared_chat_id(token_hash(token))
    if chat_id is None:
        raise not_found("share link")
    row = await store.chat_by_id(chat_id, ["id", "wrapped_key", "title_ciphertext"])
    if row is None:
        raise not_found("share link")
    try:
        key = DataKey.from_share_token(key_text)
    except ValueError:
        raise wrong_key() from None
    version = StoredChatKey.parse(str(row["wrapped_key"])).data_key_version
    cipher = ChatCipher(chat_id, key, version)
    title = _title(cipher, row.get("title_ciphertext"))
    rows = await store.list_messages(chat_id, None, MAX_SHARED_MESSAGES)
    return SharedRead(title, list(reversed(rows)), cipher)


def _title(cipher: ChatCipher, stored: object) -> str | None:
    """The title; a wrong key fails here, before any message is tried."""
    if stored is None:
        return None
    try:
        return unpad_title(cipher.decrypt_title(str(stored)))
    except DecryptionError:
        raise wrong_key() from None
