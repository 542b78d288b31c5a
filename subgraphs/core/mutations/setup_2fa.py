"""Mutation `setup2fa`: a TOTP secret, its otpauth URI and QR code, for the signed-in user."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.core.accounts.caller import signed_in_user
from subgraphs.core.accounts.twofactor import setup
from subgraphs.core.accounts.types import TwoFactorSetup
from subgraphs.core.mutations._inputs import accounts


async def setup_2fa(info: strawberry.Info) -> TwoFactorSetup:
    """A pending secret; 2FA turns on with confirm2fa."""
    identity = signed_in_user(info.context)
    made = await setup(accounts(info), str(identity.user_id))
    return TwoFactorSetup(
        secret=made.secret, otpauth_uri=made.otpauth_uri, qr_png_base64=made.qr_png_base64
    )


field = strawberry.mutation(
    resolver=setup_2fa,
    name="setup2fa",
    description="Start two-factor authentication: add the secret (or scan the QR code) in an "
    "authenticator app, then confirm2fa with a code from it.",
    directives=[signed_in()],
)
