"""sync_supergraph: app folders missing from supergraph.yaml are appended as module entries."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shared.apps.sync_supergraph import main
from tests.shared.apps.conftest import LIBRARY_YML

REPO = Path(__file__).resolve().parents[3]

CONFIG = """# which subgraphs run where
subgraphs:
  web:
    url: http://web:8000/graphql
"""


@pytest.fixture
def apps_root(tmp_path: Path) -> Path:
    root = tmp_path / "apps"
    root.mkdir()
    (root / "__init__.py").write_text("")
    for name in ("web", "pdf"):
        folder = root / name
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        (folder / "app.yml").write_text(LIBRARY_YML.replace("name: library", f"name: {name}"))
    return root


def test_missing_apps_are_appended_keeping_entries_and_comments(
    apps_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "supergraph.yaml"
    config.write_text(CONFIG)
    assert main(["--root", str(apps_root), "--config", str(config), "--check"]) == 1
    assert "lacks apps: pdf" in capsys.readouterr().out
    assert main(["--root", str(apps_root), "--config", str(config)]) == 0
    text = config.read_text()
    assert text.startswith(CONFIG)
    assert yaml.safe_load(text)["subgraphs"] == {
        "web": {"url": "http://web:8000/graphql"},
        "pdf": {"module": "apps.pdf.app:app"},
    }
    assert main(["--root", str(apps_root), "--config", str(config), "--check"]) == 0


def test_repository_supergraph_lists_every_app(capsys: pytest.CaptureFixture[str]) -> None:
    root, config = REPO / "subgraphs", REPO / "supergraph" / "supergraph.yaml"
    assert main(["--root", str(root), "--config", str(config), "--check"]) == 0, (
        capsys.readouterr().out
    )
