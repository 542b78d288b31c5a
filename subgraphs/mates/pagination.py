"""Opaque cursors for the mates list: the position after the last item returned."""

from __future__ import annotations

import base64
import binascii

from shared.errors import ErrorCode, MatewayError

PREFIX = "mates:"


def encode_cursor(position: int) -> str:
    """The cursor after `position` items."""
    return base64.urlsafe_b64encode(f"{PREFIX}{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """How many items come before the page (0 without a cursor); BAD_USER_INPUT if forged."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        position = int(text.removeprefix(PREFIX)) if text.startswith(PREFIX) else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        position = -1
    if position < 0:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, "Invalid cursor", field="after")
    return position
