"""Access tokens: short-lived EdDSA JWTs for a signed-in session, verified without a network call.

Claims: sub (user id), role, sid (the session's refresh-token family), iat, exp, jti,
typ "access", iss "mateway". Revocation of a session or a user is checked separately (see
shared.auth.revocation) because a signature alone cannot be withdrawn.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import Any

import jwt

from shared.auth.keys import TokenKeys
from shared.errors import ErrorCode, MatewayError
from shared.identity import CallerKind, Identity, Role

ACCESS_TOKEN_TTL = timedelta(minutes=10)
# The longest lifetime any access token may have: revocation entries are kept this long.
MAX_ACCESS_TOKEN_TTL = timedelta(hours=1)
ISSUER = "mateway"
ACCESS_TYPE = "access"
ALGORITHM = "EdDSA"
# Tolerated clock difference between the issuer and the verifier.
LEEWAY_SECONDS = 5


class TokenError(MatewayError):
    """A token that cannot be accepted; always UNAUTHENTICATED, with the reason in `reason`."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(ErrorCode.UNAUTHENTICATED, message, reason=reason)
        self.reason = reason


# Said alike when a request is refused and when an open subscription is ended for it.
EXPIRED_MESSAGE = "The token has expired; sign in again or refresh"
REVOKED_MESSAGE = "The session has ended; sign in again"


def issue_access_token(
    identity: Identity, *, keys: TokenKeys, ttl: timedelta = ACCESS_TOKEN_TTL
) -> str:
    """A signed access token for a signed-in user's session (identity kind USER)."""
    if identity.kind is not CallerKind.USER or not identity.user_id or not identity.session_id:
        raise ValueError("access tokens are for signed-in users with a user id and a session id")
    if not timedelta(0) < ttl <= MAX_ACCESS_TOKEN_TTL:
        raise ValueError(f"access token lifetime must be in (0, {MAX_ACCESS_TOKEN_TTL}]")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "typ": ACCESS_TYPE,
        "sub": identity.user_id,
        "role": identity.role.value,
        "sid": identity.session_id,
        "iat": now,
        "exp": now + int(ttl.total_seconds()),
        "jti": secrets.token_urlsafe(12),
    }
    return jwt.encode(claims, keys.access_private, algorithm=ALGORITHM)


def decode_signed(token: str, key: Any, *, typ: str, audience: str | None = None) -> dict[str, Any]:
    """The claims of an EdDSA JWT of type `typ`, or TokenError naming what is wrong."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            audience=audience,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "typ"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("expired", EXPIRED_MESSAGE) from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenError("bad_signature", "The token's signature is not valid") from exc
    except jwt.InvalidAudienceError as exc:
        raise TokenError("wrong_audience", "The token is not meant for this service") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("malformed", f"The token is not valid: {exc}") from exc
    if claims.get("typ") != typ:
        raise TokenError("wrong_type", f"Expected a {typ} token, got {claims.get('typ')!r}")
    return claims


def verify_access_token(token: str, *, keys: TokenKeys) -> Identity:
    """The signed-in identity of a valid access token; TokenError otherwise (no network call)."""
    return decode_access_token(token, keys=keys)[0]


def decode_access_token(token: str, *, keys: TokenKeys) -> tuple[Identity, int]:
    """The identity and issue time (`iat`, for revocation cut-offs) of a valid access token."""
    claims = decode_signed(token, keys.access_public, typ=ACCESS_TYPE)
    try:
        role = Role(claims["role"])
        user_id, session_id = str(claims["sub"]), str(claims["sid"])
        issued = int(claims["iat"])
    except (KeyError, ValueError, TypeError) as exc:
        raise TokenError("malformed", "The token's claims are incomplete") from exc
    identity = Identity(kind=CallerKind.USER, role=role, user_id=user_id, session_id=session_id)
    return identity, issued
