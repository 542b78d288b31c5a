"""Login, refresh and logout."""

from __future__ import annotations

from dataclasses import dataclass

from shared.errors import ErrorCode, MatewayError
from shared.identity import Identity
from subgraphs.core.accounts.passwords import verify_password
from subgraphs.core.accounts.service import AccountService, IssuedTokens
from subgraphs.core.accounts.sessions import RefreshReused, unauthenticated
from subgraphs.core.accounts.throttle import Subject
from subgraphs.core.accounts.twofactor import second_factor

WRONG = "Wrong username, email or password"


@dataclass(frozen=True)
class LoginRequest:
    """A validated login input."""

    username_or_email: str
    password: str
    totp_code: str | None = None
    backup_code: str | None = None


async def login(
    service: AccountService, request: LoginRequest, ip: str | None, agent: str
) -> IssuedTokens:
    """Check password (and second factor) under throttling; a new session's tokens.

    Unknown accounts cost a dummy hash and count against a hash of the name typed, so they
    answer exactly like a wrong password.
    """
    user = await service.users.by_login(request.username_or_email)
    account = (
        str(user["id"])
        if user is not None
        else service.hashed("login", request.username_or_email.strip().lower())
    )
    subject = Subject("login", account, ip)
    await service.throttle.attempt(subject)
    stored = str(user["password_hash"]) if user and user.get("password_hash") else None
    right = await verify_password(stored, request.password)
    if user is None or not right or user.get("status") != "active":
        await service.throttle.failed(subject)
        raise MatewayError(ErrorCode.UNAUTHENTICATED, WRONG, reason="wrong_credentials")
    await service.throttle.succeeded(subject)
    if not user.get("email_verified_at"):
        raise MatewayError(
            ErrorCode.UNAUTHENTICATED,
            "Confirm your email address first (see the code we sent)",
            reason="email_not_verified",
        )
    if user.get("totp_enabled"):
        await second_factor(service, user, request.totp_code, request.backup_code, ip)
    return await service.start_session(user, ip, agent)


async def refresh(service: AccountService, token: str) -> IssuedTokens:
    """Rotate a refresh token: new access and refresh tokens of the same session."""
    try:
        new_token, old = await service.sessions.rotate(token)
    except RefreshReused as reused:
        # A stolen copy or the thief was first: nobody keeps this session.
        await service.end_session(reused.family_id)
        raise unauthenticated("reused") from None
    family = str(old["family_id"])
    user = await service.users.by_id(str(old["user"]))
    if user is None or user.get("status") != "active":
        await service.end_session(family)
        raise unauthenticated("user_disabled")
    access, seconds = service.access_token(user, family)
    return IssuedTokens(access, new_token, seconds, str(user["id"]), family)


async def logout(service: AccountService, identity: Identity, token: str | None) -> None:
    """End the caller's session (from the identity or the refresh token); idempotent."""
    families: set[str] = set()
    if identity.session_id:
        families.add(identity.session_id)
    if token:
        row = await service.sessions.family_of(token)
        if row is not None:
            families.add(str(row["family_id"]))
    for family in families:
        await service.end_session(family)
