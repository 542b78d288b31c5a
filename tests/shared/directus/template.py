"""The bootstrapped data folder that every test Directus starts from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DirectusTemplate:
    """A data folder with a freshly bootstrapped database, and how long bootstrap took."""

    path: Path
    bootstrap_seconds: float
