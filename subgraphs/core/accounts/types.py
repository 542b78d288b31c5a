"""GraphQL output types of the account operations."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public, signed_in
from subgraphs.core.accounts.service import IssuedTokens


@strawberry.type(
    description="Whether a username can be chosen, and why not.", directives=[public()]
)
class UsernameCheck:
    valid: bool
    message: str | None = None


@strawberry.type(
    description="A new account; its email address still needs the emailed code.",
    directives=[public()],
)
class SignupPayload:
    user_id: strawberry.ID
    email_code_expires_in: int = strawberry.field(description="Seconds the code stays valid.")


# Public: the answer of login/refresh, which anonymous callers make (their own tokens).
@strawberry.type(description="Tokens of a signed-in session.", directives=[public()])
class AuthPayload:
    access_token: str
    refresh_token: str = strawberry.field(
        description="Single use: every refresh returns a new one; reusing an old one ends "
        "the session."
    )
    expires_in: int = strawberry.field(description="Seconds the access token stays valid.")
    user_id: strawberry.ID
    session_id: strawberry.ID

    @classmethod
    def of(cls, tokens: IssuedTokens) -> AuthPayload:
        """The payload of issued tokens."""
        return cls(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_in=tokens.expires_in,
            user_id=strawberry.ID(tokens.user_id),
            session_id=strawberry.ID(tokens.session_id),
        )


@strawberry.type(
    description="A TOTP secret for an authenticator app; confirm with confirm2fa.",
    directives=[signed_in()],
)
class TwoFactorSetup:
    secret: str
    otpauth_uri: str
    qr_png_base64: str = strawberry.field(description="The otpauth URI as a QR code (PNG).")


@strawberry.type(
    description="2FA is on. The backup codes are shown only this once.",
    directives=[signed_in()],
)
class TwoFactorConfirmation:
    backup_codes: list[str]
