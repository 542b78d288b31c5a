"""Settings of the core app (environment, `.env`; see shared.settings)."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from shared.crypto.personal import PersonalDataCipher
from shared.directus.access import DirectusServiceSettings
from shared.email import EmailSettings
from shared.errors import ErrorCode, MatewayError


class ThrottleSettings(BaseModel):
    """Login and 2FA attempt limits (env `MATEWAY_THROTTLE__...`)."""

    # Failures per account (any IP) before the account is locked for `lockout_seconds`.
    account_failures: int = 5
    # Failures from one IP (any account) before that IP is locked; larger, as IPs are shared.
    ip_failures: int = 20
    # Failures count within this window; a lockout lasts `lockout_seconds`.
    window_seconds: int = 900
    lockout_seconds: int = 900


class AccountSettings(BaseModel):
    """Lifetimes of codes and tokens (env `MATEWAY_ACCOUNTS__...`)."""

    access_token_seconds: int = 600
    refresh_token_seconds: int = 30 * 24 * 3600
    email_code_seconds: int = 600
    email_code_attempts: int = 5
    reset_token_seconds: int = 1800
    # Resent codes and reset links: at most one email per account in this time.
    email_cooldown_seconds: int = 60
    # The web page that takes `?token=...` and calls resetPassword.
    reset_url: str = "http://127.0.0.1:8080/reset-password"
    totp_issuer: str = "Mateway"


def _required(value: SecretStr | None, what: str) -> bytes:
    if value is None or not value.get_secret_value():
        raise MatewayError(ErrorCode.UNAVAILABLE, f"{what} are not configured on this server")
    return value.get_secret_value().encode()


class CoreSettings(DirectusServiceSettings):
    """Directus access (see shared.directus.access) and the keys of the core app."""

    service_name: str = "core"
    # start-server.sh generates these into the platform's secrets file.
    invite_hash_key: SecretStr | None = None
    lookup_hash_key: SecretStr | None = None
    # MATEWAY_KEY_ENCRYPTION_KEY: the personal-data key (emails, display names) derives from it.
    key_encryption_key: SecretStr | None = None
    email: EmailSettings = EmailSettings()
    throttle: ThrottleSettings = ThrottleSettings()
    accounts: AccountSettings = AccountSettings()

    def invite_key(self) -> bytes:
        """The HMAC key of invite codes; UNAVAILABLE when it is not configured."""
        return _required(self.invite_hash_key, "Invite codes")

    def lookup_key(self) -> bytes:
        """The HMAC key of lookup hashes (emails, codes, tokens); UNAVAILABLE when missing."""
        return _required(self.lookup_hash_key, "Accounts")

    def personal_cipher(self) -> PersonalDataCipher:
        """Encrypts users' emails and display names; UNAVAILABLE when a key is missing."""
        kek = _required(self.key_encryption_key, "Accounts").decode()
        return PersonalDataCipher.from_secrets(kek, self.lookup_key().decode())

    def signing_secret(self) -> bytes:
        """MATEWAY_SIGNING_KEY (HKDF input for purpose keys); UNAVAILABLE when missing."""
        return _required(self.signing_key, "Accounts")
