"""The process's chat key manager and chat settings, made on first use (tests swap them)."""

from __future__ import annotations

from shared.crypto import ChatKeyManager, CryptoSettings, build_chat_key_manager
from shared.settings import ServiceSettings
from subgraphs.core.chats.rows import ChatRowCache


class ChatSettings(ServiceSettings):
    """MATEWAY_SHARE_BASE_URL (the web app's origin) and the cancel signal's lifetime."""

    # Share links are `<share_base_url>/share/<token>#<key>`: the web app serves that page.
    share_base_url: str = "http://127.0.0.1:8080"
    # How long a stop signal waits for a reply that had not started listening yet.
    cancel_marker_seconds: int = 120


_keys: list[ChatKeyManager] = []
_rows: list[ChatRowCache] = []
_settings: list[ChatSettings] = []


def chat_keys() -> ChatKeyManager:
    """The process's ChatKeyManager, built from CryptoSettings on first use."""
    if not _keys:
        _keys.append(build_chat_key_manager(CryptoSettings()))
    return _keys[0]


def use_chat_keys(keys: ChatKeyManager | None) -> None:
    """Make `keys` the process's key manager (None: build from settings on next use)."""
    _keys[:] = [keys] if keys is not None else []


def chat_rows() -> ChatRowCache:
    """The process's cache of chat rows for sending (see rows.py)."""
    if not _rows:
        _rows.append(ChatRowCache())
    return _rows[0]


def use_chat_rows(rows: ChatRowCache | None) -> None:
    """Make `rows` the process's chat row cache (None: a new one on next use)."""
    _rows[:] = [rows] if rows is not None else []


def chat_settings() -> ChatSettings:
    """The process's ChatSettings (environment, `.env`)."""
    if not _settings:
        _settings.append(ChatSettings())
    return _settings[0]


def use_chat_settings(settings: ChatSettings | None) -> None:
    """Make `settings` the process's chat settings (None: read them again on next use)."""
    _settings[:] = [settings] if settings is not None else []
