"""Ids of chats and messages, page cursors, and the input limits of the chat operations.

Ids are UUIDv7 made here, not by Directus: a message's ciphertext binds its id, so the id
must exist before the row does. Directus has no `_lt` on uuid fields, so rows also store
`seq` (milliseconds * 1024 + the id's counter, exact in a JavaScript number until 2248):
pages are `seq < cursor`, and rows of other processes made in the same millisecond (equal
`seq`) are told apart by the ids the cursor lists.
"""

from __future__ import annotations

import base64
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from shared.errors import ErrorCode, MatewayError

MAX_TEXT_CHARS = 100_000
MAX_TITLE_CHARS = 200
TITLE_BYTES = 4 * MAX_TITLE_CHARS  # the UTF-8 bytes of the longest title
DEFAULT_PAGE = 20
MAX_PAGE = 100
CURSOR_PREFIX = "c1:"

SEQ_PER_MS = 1024
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_lock = threading.Lock()
_last = [0, 0]  # milliseconds and counter of the last id, for order within one millisecond


def new_id() -> str:
    """A UUIDv7: 48-bit milliseconds, a 12-bit counter within the millisecond, random bits."""
    with _lock:
        now = time.time_ns() // 1_000_000
        if now <= _last[0]:
            now, counter = _last[0], _last[1] + 1
            if counter >= SEQ_PER_MS:  # more ids in one millisecond: borrow the next
                now, counter = now + 1, 0
        else:
            counter = 0
        _last[:] = [now, counter]
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (now << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand
    return str(uuid.UUID(int=value))


def seq_of(row_id: str) -> int:
    """The creation order of a UUIDv7 made by `new_id`."""
    value = uuid.UUID(row_id).int
    return (value >> 80) * SEQ_PER_MS + ((value >> 64) & 0xFFF)


def check_id(value: str, field: str) -> str:
    """The id in canonical form; BAD_USER_INPUT (naming the field) when it is not a UUID."""
    text = value.strip().lower()
    if not _UUID.fullmatch(text):
        raise MatewayError(ErrorCode.BAD_USER_INPUT, f"{field} is not a valid id", field=field)
    return text


def check_text(text: str, field: str = "text", limit: int = MAX_TEXT_CHARS) -> str:
    """Text that is not blank and at most `limit` characters."""
    if not text.strip():
        raise MatewayError(ErrorCode.BAD_USER_INPUT, f"{field} may not be empty", field=field)
    if len(text) > limit:
        raise MatewayError(
            ErrorCode.BAD_USER_INPUT, f"{field} is longer than {limit} characters", field=field
        )
    return text


def page_size(first: int | None) -> int:
    """How many rows a page holds (DEFAULT_PAGE when not given, 1 to MAX_PAGE)."""
    size = DEFAULT_PAGE if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise MatewayError(
            ErrorCode.BAD_USER_INPUT, f"first must be 1 to {MAX_PAGE}", field="first"
        )
    return size


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last row's `seq` and the page's ids with that `seq`."""

    seq: int
    ids: tuple[str, ...]

    def where(self) -> dict[str, Any]:
        """The Directus filter of the rows after this cursor (newest first)."""
        return {
            "_or": [
                {"seq": {"_lt": self.seq}},
                {"_and": [{"seq": {"_eq": self.seq}}, {"id": {"_nin": list(self.ids)}}]},
            ]
        }


def encode_cursor(rows: list[dict[str, Any]]) -> str | None:
    """The opaque cursor after the last of `rows` (None when there are none)."""
    if not rows:
        return None
    seq = int(rows[-1]["seq"])
    ties = [str(row["id"]) for row in rows if int(row["seq"]) == seq]
    text = CURSOR_PREFIX + f"{seq}:" + ",".join(ties)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Cursor | None:
    """The cursor's position (None for the first page); BAD_USER_INPUT when malformed."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        seq_text, _, ids_text = text.removeprefix(CURSOR_PREFIX).partition(":")
        ids = tuple(ids_text.split(","))
        valid = text.startswith(CURSOR_PREFIX) and 0 < len(ids) <= MAX_PAGE
        if valid and all(_UUID.fullmatch(i) for i in ids):
            return Cursor(int(seq_text), ids)
    except (ValueError, UnicodeDecodeError):
        pass
    raise MatewayError(ErrorCode.BAD_USER_INPUT, "after is not a valid cursor", field="after")


def pad_title(title: str) -> str:
    """The title padded with NULs to TITLE_BYTES of UTF-8, so every title encrypts alike.

    A chat row then keeps one size for its whole life, which lets SQLite overwrite it in
    place: an old wrapped key is not left behind in a freed cell (see service.delete_chat).
    """
    size = len(title.encode("utf-8"))
    if size > TITLE_BYTES:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, "title is too long", field="title")
    return title + "\0" * (TITLE_BYTES - size)


def unpad_title(padded: str) -> str:
    """The title without its padding."""
    return padded.rstrip("\0")


def derive_title(text: str, limit: int = 60) -> str:
    """A chat's title from its first message: the first line, spaces collapsed, shortened."""
    text = text.replace("\0", "")
    line = next((part for part in text.splitlines() if part.strip()), text)
    words = " ".join(line.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"
