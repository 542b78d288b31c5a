"""VaultTransit: data keys wrapped by a Vault (or OpenBao) transit key through `hvac`.

The transit key is created with `derived=True`, so Vault derives a key per context (the chat
id): a wrapped key copied to another chat's row does not unwrap there. The KEK never leaves
Vault; rotation and rewrapping happen inside it.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import hvac
import requests
from hvac import exceptions as vault_errors

from shared.crypto.errors import DecryptionError, KeyBackendUnavailable, KeyringError
from shared.crypto.secret import DataKey

_WRAPPED = re.compile(r"vault:v(\d+):.+", re.DOTALL)
# Vault answers 400 when a ciphertext does not authenticate or parse: an integrity failure.
_INTEGRITY_ERRORS = (vault_errors.InvalidRequest,)
_UNAVAILABLE_ERRORS = (vault_errors.VaultError, requests.RequestException)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class VaultTransit:
    """A KeyEncryptionBackend on a transit mount; calls are blocking HTTP requests."""

    name = "vault"
    blocking = True

    def __init__(self, client: hvac.Client, key_name: str, mount_point: str = "transit") -> None:
        self._client = client
        self.key_name = key_name
        self.mount_point = mount_point
        self._key_version = self.ensure_key()

    @classmethod
    def connect(
        cls, url: str, token: str, key_name: str, mount_point: str = "transit", timeout: float = 5
    ) -> VaultTransit:
        """A backend talking to the Vault at `url` with `token`."""
        return cls(hvac.Client(url=url, token=token, timeout=timeout), key_name, mount_point)

    def __repr__(self) -> str:
        # The client holds the token: never let it into a repr.
        return f"VaultTransit(key_name={self.key_name!r}, mount_point={self.mount_point!r})"

    @property
    def key_version(self) -> int:
        """The transit key's latest version as last seen (ensure_key, rotate, refresh)."""
        return self._key_version

    def ensure_key(self) -> int:
        """Create the derived transit key if missing; refuse an existing non-derived key."""
        transit = self._client.secrets.transit
        try:
            data = self._call(transit.read_key, name=self.key_name)["data"]
        except KeyBackendUnavailable as error:
            if not isinstance(error.__cause__, vault_errors.InvalidPath):
                raise
            self._call(transit.create_key, name=self.key_name, derived=True)
            data = self._call(transit.read_key, name=self.key_name)["data"]
        if not data.get("derived"):
            raise KeyringError(
                f"transit key {self.key_name!r} is not derived: chat ids would not be bound"
            )
        return int(data["latest_version"])

    def refresh(self) -> int:
        """Re-read the latest version (another process may have rotated)."""
        self._key_version = self.ensure_key()
        return self._key_version

    def wrap(self, data_key: DataKey, context: str) -> str:
        """The data key encrypted by transit under the latest version, derived for `context`."""
        answer = self._call(
            self._client.secrets.transit.encrypt_data,
            name=self.key_name,
            plaintext=_b64(data_key.material),
            context=_b64(context.encode("utf-8")),
        )
        wrapped: str = answer["data"]["ciphertext"]
        return wrapped

    def unwrap(self, wrapped: str, context: str) -> DataKey:
        """The data key; DecryptionError when Vault says it does not authenticate."""
        self.wrapped_version(wrapped)
        answer = self._call(
            self._client.secrets.transit.decrypt_data,
            name=self.key_name,
            ciphertext=wrapped,
            context=_b64(context.encode("utf-8")),
            integrity=True,
        )
        try:
            return DataKey(base64.b64decode(answer["data"]["plaintext"], validate=True))
        except (binascii.Error, ValueError) as error:
            raise DecryptionError("transit returned something that is not a data key") from error

    def rotate(self) -> int:
        """Rotate the transit key; returns the new latest version."""
        self._call(self._client.secrets.transit.rotate_key, name=self.key_name)
        return self.refresh()

    def rewrap(self, wrapped: str, context: str) -> str:
        """The same data key under the latest version; Vault never reveals it to us."""
        self.wrapped_version(wrapped)
        answer = self._call(
            self._client.secrets.transit.rewrap_data,
            name=self.key_name,
            ciphertext=wrapped,
            context=_b64(context.encode("utf-8")),
            integrity=True,
        )
        rewrapped: str = answer["data"]["ciphertext"]
        return rewrapped

    def wrapped_version(self, wrapped: str) -> int:
        """The transit key version in a ciphertext's `vault:vN:` prefix."""
        match = _WRAPPED.fullmatch(wrapped)
        if match is None:
            raise DecryptionError("not a transit-wrapped key")
        return int(match.group(1))

    def _call(self, method: Any, *, integrity: bool = False, **arguments: Any) -> Any:
        """Call hvac with our mount; map its errors to typed ones without echoing arguments."""
        try:
            return method(mount_point=self.mount_point, **arguments)
        except _INTEGRITY_ERRORS as error:
            if integrity:
                raise DecryptionError(f"transit refused the ciphertext: {error}") from error
            raise KeyBackendUnavailable(f"transit refused the request: {error}") from error
        except _UNAVAILABLE_ERRORS as error:
            raise KeyBackendUnavailable(f"{type(error).__name__} from transit") from error
