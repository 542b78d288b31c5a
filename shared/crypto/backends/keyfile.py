"""The local keyring file: versioned KEKs in JSON, created once with mode 0600, never rewritten
in place (a temporary file and a rename), optionally sealed under the platform's
MATEWAY_KEY_ENCRYPTION_KEY so a copy of the file alone unwraps nothing."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.crypto.envelope import open_sealed, seal
from shared.crypto.errors import DecryptionError, KeyringError
from shared.crypto.secret import DataKey

FILE_FORMAT = 1
_SEAL_PURPOSE = b"mateway:keyring:v1"


def master_key(secret: str) -> DataKey:
    """The key that seals the keyring's KEKs, derived from the platform secret (HKDF-SHA256)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_PURPOSE)
    return DataKey(hkdf.derive(secret.encode("utf-8")))


@dataclass
class KeyringContents:
    """The keyring in memory: KEK per version and the version new wraps use."""

    current: int
    keys: dict[int, DataKey]
    created: dict[int, str] = field(default_factory=dict)
    sealed: bool = False

    def __repr__(self) -> str:
        return f"KeyringContents(current={self.current}, versions={sorted(self.keys)})"

    def add_version(self) -> int:
        """Add a fresh random KEK as the newest version and make it current."""
        version = max(self.keys, default=0) + 1
        self.keys[version] = DataKey.generate()
        self.created[version] = datetime.now(UTC).isoformat(timespec="seconds")
        self.current = version
        return version


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _seal_aad(version: int) -> bytes:
    return _SEAL_PURPOSE + b"|" + str(version).encode()


def to_json(contents: KeyringContents, master: DataKey | None) -> str:
    """The file's text; each KEK sealed under `master` when one is given."""
    keys: dict[str, Any] = {}
    for version, kek in sorted(contents.keys.items()):
        stored = (
            seal(master, 1, kek.material, _seal_aad(version))
            if master is not None
            else _b64(kek.material)
        )
        keys[str(version)] = {"key": stored, "created": contents.created.get(version, "")}
    document = {
        "format": FILE_FORMAT,
        "sealed": master is not None,
        "current": contents.current,
        "keys": keys,
    }
    return json.dumps(document, indent=2) + "\n"


def from_json(text: str, master: DataKey | None, path: Path) -> KeyringContents:
    """Parse the file's text; KeyringError with the path when it cannot be used."""
    try:
        document = json.loads(text)
        if document.get("format") != FILE_FORMAT:
            raise KeyringError(f"{path}: unknown keyring format {document.get('format')!r}")
        sealed = bool(document["sealed"])
        if sealed and master is None:
            raise KeyringError(f"{path} is sealed: set MATEWAY_KEY_ENCRYPTION_KEY to open it")
        keys: dict[int, DataKey] = {}
        created: dict[int, str] = {}
        for name, entry in document["keys"].items():
            version = int(name)
            stored = entry["key"]
            material = (
                open_sealed(master, 1, stored, _seal_aad(version))
                if sealed and master is not None
                else _unb64(stored)
            )
            keys[version] = DataKey(material)
            created[version] = str(entry.get("created", ""))
        current = int(document["current"])
    except DecryptionError as error:
        raise KeyringError(f"{path}: MATEWAY_KEY_ENCRYPTION_KEY does not open it") from error
    except (KeyError, TypeError, ValueError) as error:
        raise KeyringError(f"{path} is not a valid keyring: {error}") from error
    if current not in keys:
        raise KeyringError(f"{path}: current version {current} has no key")
    return KeyringContents(current=current, keys=keys, created=created, sealed=sealed)


def create_file(path: Path, text: str) -> bool:
    """Write `path` with mode 0600 unless it exists; False when another process won the race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    _write_private(temporary, text)
    try:
        # link() fails when the target exists: the file appears complete or not at all.
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def replace_file(path: Path, text: str) -> None:
    """Replace `path` atomically with `text`, mode 0600 from the first byte."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    _write_private(temporary, text)
    os.replace(temporary, path)


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o600)


def ensure_private(path: Path) -> None:
    """Tighten the file to 0600 if someone loosened it (the secrets file does the same)."""
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside the keyring, so two processes never rotate at once."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
