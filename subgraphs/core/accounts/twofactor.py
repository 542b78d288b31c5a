"""Two-factor authentication: TOTP setup and confirmation, and the second factor at login."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from shared.errors import ErrorCode, MatewayError
from subgraphs.core.accounts import totp
from subgraphs.core.accounts.email_codes import invalid_code
from subgraphs.core.accounts.service import AccountService
from subgraphs.core.accounts.throttle import Subject

USED = "mateway:core:2fa-used"


@dataclass(frozen=True)
class TotpSetup:
    """What the authenticator app needs."""

    secret: str
    otpauth_uri: str
    qr_png_base64: str


async def _user(service: AccountService, user_id: str) -> dict[str, Any]:
    user = await service.users.by_id(user_id)
    if user is None or user.get("status") != "active":
        raise MatewayError(ErrorCode.UNAUTHENTICATED, "Sign in first")
    return user


async def setup(service: AccountService, user_id: str) -> TotpSetup:
    """A new pending TOTP secret for a user; 2FA is on only after `confirm`."""
    user = await _user(service, user_id)
    if user.get("totp_enabled"):
        raise MatewayError(ErrorCode.CONFLICT, "Two-factor authentication is already on")
    secret = totp.new_secret()
    sealed = service.sealer().seal(secret, user_id)
    await service.users.update(user_id, {"totp_pending_secret_ciphertext": sealed})
    uri = totp.otpauth_uri(secret, str(user["username"]), service.settings.accounts.totp_issuer)
    return TotpSetup(secret, uri, totp.qr_png_base64(uri))


async def _totp_matches(service: AccountService, user_id: str, secret: str, code: str) -> bool:
    """True for a right code not used before (a code works once, even within its 30 s)."""
    step = totp.matching_step(secret, code, time.time())
    if step is None:
        return False
    return bool(await service.redis.set(f"{USED}:totp:{user_id}:{step}", "1", nx=True, ex=120))


async def confirm(service: AccountService, user_id: str, code: str, ip: str | None) -> list[str]:
    """Turn 2FA on with a code from the app; the 10 backup codes, shown this once."""
    user = await _user(service, user_id)
    pending = user.get("totp_pending_secret_ciphertext")
    if user.get("totp_enabled") or not pending:
        raise MatewayError(ErrorCode.CONFLICT, "Start with setup2fa")
    subject = Subject("2fa", user_id, ip)
    await service.throttle.attempt(subject)
    secret = service.sealer().open(str(pending), user_id)
    if not await _totp_matches(service, user_id, secret, code):
        await service.throttle.failed(subject)
        raise invalid_code()
    await service.throttle.succeeded(subject)
    codes = totp.new_backup_codes()
    await service.users.update(
        user_id,
        {
            "totp_enabled": True,
            "totp_secret_ciphertext": pending,
            "totp_pending_secret_ciphertext": None,
            "backup_code_hashes": [totp.backup_code_hash(service.key, user_id, c) for c in codes],
        },
    )
    return codes


async def _spend_backup_code(service: AccountService, user: dict[str, Any], code: str) -> bool:
    user_id = str(user["id"])
    wanted = totp.backup_code_hash(service.key, user_id, code)
    hashes = [str(h) for h in (user.get("backup_code_hashes") or [])]
    if wanted not in hashes:
        return False
    # SET NX makes the spend atomic: two logins racing with one code cannot both pass.
    if not await service.redis.set(f"{USED}:backup:{wanted}", "1", nx=True, ex=7 * 24 * 3600):
        return False
    fresh = await service.users.by_id(user_id) or user
    left = [h for h in (fresh.get("backup_code_hashes") or []) if h != wanted]
    await service.users.update(user_id, {"backup_code_hashes": left})
    return True


async def second_factor(
    service: AccountService,
    user: dict[str, Any],
    totp_code: str | None,
    backup_code: str | None,
    ip: str | None,
) -> None:
    """Nothing when the TOTP or backup code is right; throttled INVALID_CODE otherwise."""
    user_id = str(user["id"])
    if not totp_code and not backup_code:
        raise MatewayError(
            ErrorCode.UNAUTHENTICATED,
            "Two-factor authentication is on: give a code from your app or a backup code",
            reason="second_factor_required",
        )
    subject = Subject("2fa", user_id, ip)
    await service.throttle.attempt(subject)
    if totp_code:
        secret = service.sealer().open(str(user.get("totp_secret_ciphertext") or ""), user_id)
        ok = await _totp_matches(service, user_id, secret, totp_code)
    else:
        ok = await _spend_backup_code(service, user, backup_code or "")
    if not ok:
        await service.throttle.failed(subject)
        raise invalid_code()
    await service.throttle.succeeded(subject)
