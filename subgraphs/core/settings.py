"""Settings of the core app (environment, `.env`; see shared.settings)."""

from __future__ import annotations

from pydantic import SecretStr

from shared.directus.access import DirectusServiceSettings
from shared.errors import ErrorCode, MatewayError


class CoreSettings(DirectusServiceSettings):
    """Directus access (see shared.directus.access) and the keys of the core app."""

    service_name: str = "core"
    # start-server.sh generates it into the platform's secrets file (MATEWAY_INVITE_HASH_KEY).
    invite_hash_key: SecretStr | None = None

    def invite_key(self) -> bytes:
        """The HMAC key of invite codes; UNAVAILABLE when it is not configured."""
        if self.invite_hash_key is None or not self.invite_hash_key.get_secret_value():
            raise MatewayError(
                ErrorCode.UNAVAILABLE, "Invite codes are not configured on this server"
            )
        return self.invite_hash_key.get_secret_value().encode()
