"""The library test app and helpers to write broken apps into temporary packages."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

LIBRARY_DIR = Path(__file__).parent / "fixtures" / "library"
LIBRARY_YML = (LIBRARY_DIR / "app.yml").read_text()

_made = 0


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[[str, str], Path]]:
    """Writes an importable app package (app.yml, schema.py); {name} becomes its unique name."""
    sys.path.insert(0, str(tmp_path))
    names: list[str] = []

    def make(manifest: str, schema_source: str) -> Path:
        global _made
        _made += 1
        name = f"kitapp{_made}"  # unique: imported modules stay cached for the session
        folder = tmp_path / name
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        (folder / "app.yml").write_text(manifest.replace("{name}", name))
        (folder / "schema.py").write_text(schema_source.replace("{name}", name))
        names.append(name)
        return folder

    yield make
    sys.path.remove(str(tmp_path))
    for name in names:
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]
