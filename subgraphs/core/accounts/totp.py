"""TOTP (RFC 6238) for 2FA: secrets, otpauth URIs, QR codes, and single-use backup codes."""

from __future__ import annotations

import base64
import hmac
import io
import secrets

import pyotp
import qrcode

from subgraphs.core.accounts.hashing import lookup_hash

BACKUP_CODES = 10
BACKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def otpauth_uri(secret: str, account: str, issuer: str) -> str:
    """The `otpauth://totp/...` URI authenticator apps read."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_png_base64(uri: str) -> str:
    """A QR code of `uri` as a base64 PNG."""
    image = qrcode.make(uri)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step a code belongs to (current or one either side), or None when wrong."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = int(now) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def normalise_backup_code(code: str) -> str:
    """A backup code as hashed: upper case, without spaces and hyphens."""
    return "".join(code.split()).replace("-", "").upper()


def new_backup_codes() -> list[str]:
    """Ten fresh backup codes, `XXXXX-XXXXX` (50 bits each)."""
    raw = ("".join(secrets.choice(BACKUP_ALPHABET) for _ in range(10)) for _ in range(BACKUP_CODES))
    return [f"{code[:5]}-{code[5:]}" for code in raw]


def backup_code_hash(key: bytes, user_id: str, code: str) -> str:
    """The stored hash of one backup code."""
    return lookup_hash(key, "backup-code", f"{user_id}:{normalise_backup_code(code)}")
