"""LocalKeyring: data keys wrapped with AES-256-GCM under versioned KEKs from a local file."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from shared.crypto.backends import keyfile
from shared.crypto.envelope import open_sealed, seal
from shared.crypto.errors import DecryptionError, KeyringError
from shared.crypto.secret import DataKey

_WRAP_PURPOSE = b"mateway:data-key:v1"
_WRAPPED = re.compile(r"local:v(\d+):(.+)", re.DOTALL)


def _aad(context: str) -> bytes:
    return _WRAP_PURPOSE + b"|" + context.encode("utf-8")


class LocalKeyring:
    """The default backend: a keyring file in the platform's data folder.

    The file is generated at first start (mode 0600) and only when missing. `rotate` adds a
    KEK version that new wraps use; older versions keep unwrapping until `retire` removes
    them. Retiring is safe only after every wrapped key has been moved with `rewrap`; the
    keyring cannot see the chat rows, so checking that is the caller's job.
    """

    name = "local"
    blocking = False

    def __init__(self, path: Path, master_secret: str | None = None) -> None:
        self.path = path
        self._master = keyfile.master_key(master_secret) if master_secret else None
        self._lock = threading.Lock()
        self._contents = self._load_or_create()

    def __repr__(self) -> str:
        return f"LocalKeyring(path={str(self.path)!r}, key_version={self.key_version})"

    @property
    def key_version(self) -> int:
        """The KEK version new wraps use."""
        return self._contents.current

    @property
    def versions(self) -> list[int]:
        """Every KEK version the keyring still holds."""
        return sorted(self._contents.keys)

    def wrap(self, data_key: DataKey, context: str) -> str:
        """The data key sealed under the current KEK, bound to `context`."""
        contents = self._contents
        version = contents.current
        sealed = seal(contents.keys[version], version, data_key.material, _aad(context))
        return f"local:v{version}:{sealed}"

    def unwrap(self, wrapped: str, context: str) -> DataKey:
        """The data key; DecryptionError when tampered, from another context, or retired."""
        version, sealed = self._parse(wrapped)
        kek = self._kek(version)
        return DataKey(open_sealed(kek, version, sealed, _aad(context)))

    def rewrap(self, wrapped: str, context: str) -> str:
        """The same data key under the current KEK (unchanged when it already is)."""
        if self.wrapped_version(wrapped) == self.key_version:
            return wrapped
        return self.wrap(self.unwrap(wrapped, context), context)

    def wrapped_version(self, wrapped: str) -> int:
        """The KEK version in a wrapped key's prefix."""
        return self._parse(wrapped)[0]

    def rotate(self) -> int:
        """Add a new KEK version (written to the file first) and make it current."""
        with self._lock, keyfile.exclusive(self.path):
            contents = self._read()  # another process may have rotated meanwhile
            version = contents.add_version()
            keyfile.replace_file(self.path, keyfile.to_json(contents, self._master))
            self._contents = contents
            return version

    def retire(self, version: int) -> None:
        """Delete a KEK version; every key wrapped with it becomes unreadable (see class doc)."""
        with self._lock, keyfile.exclusive(self.path):
            contents = self._read()
            if version == contents.current:
                raise KeyringError(f"version {version} is current: rotate before retiring it")
            if version not in contents.keys:
                raise KeyringError(f"version {version} is not in {self.path}")
            del contents.keys[version]
            contents.created.pop(version, None)
            keyfile.replace_file(self.path, keyfile.to_json(contents, self._master))
            self._contents = contents

    def reload(self) -> None:
        """Re-read the file (another process rotated or retired a version)."""
        with self._lock:
            self._contents = self._read()

    def _kek(self, version: int) -> DataKey:
        kek = self._contents.keys.get(version)
        if kek is None:
            self.reload()
            kek = self._contents.keys.get(version)
        if kek is None:
            raise DecryptionError(f"key-encryption key version {version} is not in the keyring")
        return kek

    def _parse(self, wrapped: str) -> tuple[int, str]:
        match = _WRAPPED.fullmatch(wrapped)
        if match is None:
            raise DecryptionError("not a locally wrapped key")
        return int(match.group(1)), match.group(2)

    def _read(self) -> keyfile.KeyringContents:
        try:
            text = self.path.read_text()
        except FileNotFoundError as error:
            # Never regenerate here: a new keyring would silently orphan every wrapped key.
            raise KeyringError(f"{self.path} disappeared; restore it from a backup") from error
        return keyfile.from_json(text, self._master, self.path)

    def _load_or_create(self) -> keyfile.KeyringContents:
        if not self.path.exists():
            contents = keyfile.KeyringContents(current=0, keys={})
            contents.add_version()
            if keyfile.create_file(self.path, keyfile.to_json(contents, self._master)):
                return contents
        keyfile.ensure_private(self.path)
        contents = self._read()
        if self._master is not None and not contents.sealed:
            # Made before the platform secret existed: seal it now that there is one.
            with keyfile.exclusive(self.path):
                keyfile.replace_file(self.path, keyfile.to_json(contents, self._master))
            contents.sealed = True
        return contents
