"""6-digit email codes: generated, stored as a keyed hash bound to the user, checked.

A code is worth 20 bits, so the protection is the attempt limit and the lifetime, not the
hash; the hash keeps a database reader from verifying accounts they do not own.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.errors import ErrorCode, MatewayError
from subgraphs.core.accounts.hashing import lookup_hash
from subgraphs.core.invites import parse_time

DIGITS = 6


def new_code() -> str:
    """A random 6-digit code (leading zeros kept)."""
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def code_hash(key: bytes, user_id: str, code: str) -> str:
    """The stored hash of a user's code."""
    return lookup_hash(key, "email-code", f"{user_id}:{code.strip()}")


@dataclass(frozen=True)
class EmailCodePolicy:
    """Lifetime and attempts of an email code."""

    lifetime: timedelta
    attempts: int

    def fields_for(self, key: bytes, user_id: str, code: str, now: datetime) -> dict[str, Any]:
        """The user fields that store a fresh code."""
        return {
            "email_code_hash": code_hash(key, user_id, code),
            "email_code_expires_at": (now + self.lifetime).isoformat(),
            "email_code_attempts": 0,
        }

    def check(self, key: bytes, user: dict[str, Any], code: str, now: datetime) -> None:
        """Nothing when `code` is the user's live code; INVALID_CODE, CODE_EXPIRED or
        TOO_MANY_ATTEMPTS otherwise. The caller counts the attempt before calling this."""
        stored = user.get("email_code_hash")
        if not stored:
            raise invalid_code()
        if int(user.get("email_code_attempts") or 0) > self.attempts:
            # No retryAfter: waiting does not help, a new code (resendEmailCode) does.
            raise MatewayError(
                ErrorCode.TOO_MANY_ATTEMPTS,
                "Too many wrong codes; ask for a new code",
                reason="code_used_up",
            )
        expires = parse_time(user.get("email_code_expires_at"))
        if expires is None or expires <= now:
            raise MatewayError(ErrorCode.CODE_EXPIRED, "The code has expired; ask for a new one")
        if not hmac.compare_digest(str(stored), code_hash(key, str(user["id"]), code)):
            raise invalid_code()


def invalid_code() -> MatewayError:
    """The answer for a wrong code (and for an unknown email, so neither is revealed)."""
    return MatewayError(ErrorCode.INVALID_CODE, "The code is not valid")
