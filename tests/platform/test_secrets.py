"""The generated platform secrets: private from the start, stable across starts."""

from __future__ import annotations

import stat
from pathlib import Path

from shared.platform.secrets import SECRET_NAMES, ensure_secrets, read_secrets


def test_secrets_are_created_mode_0600_with_every_name(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secrets.env"
    values = ensure_secrets(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(values) == set(SECRET_NAMES)
    assert len(set(values.values())) == len(values)  # independent random values
    assert read_secrets(path) == values


def test_a_later_start_keeps_existing_values_and_adds_new_names(tmp_path: Path) -> None:
    path = tmp_path / "secrets.env"
    path.write_text("MATEWAY_SIGNING_KEY=kept\n")
    path.chmod(0o644)
    values = ensure_secrets(path)
    assert values["MATEWAY_SIGNING_KEY"] == "kept"
    assert set(values) == set(SECRET_NAMES)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_secrets(path) == values
