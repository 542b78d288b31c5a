"""start-server.sh's one-line errors: port in use, old Python, Directus not healthy in time."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.platform.stack import REPO, Stack, clean_env
from tests.support.ports import free_port


def _python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-m", "shared.platform", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def stack_env(tmp_path: Path) -> dict[str, str]:
    """Settings of a throwaway stack in tmp_path on free ports."""
    return clean_env(
        MATEWAY_DATA_DIR=str(tmp_path / "data"),
        MATEWAY_LOG_DIR=str(tmp_path / "logs"),
        MATEWAY_PORT=str(free_port()),
        MATEWAY_DIRECTUS_PORT=str(free_port()),
        MATEWAY_VALKEY_PORT=str(free_port()),
    )


@pytest.fixture
def listener() -> Iterator[int]:
    """A port something already listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_port_in_use_is_named_with_its_service(stack_env: dict[str, str], listener: int) -> None:
    stack_env["MATEWAY_DIRECTUS_PORT"] = str(listener)
    done = _python("start", "--detach", env=stack_env)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"mateway: port {listener} (directus) is in use; stop what uses it or set "
        "MATEWAY_DIRECTUS_PORT"
    )


def test_python_older_than_3_11_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "python3"
    old.write_text("#!/bin/sh\n[ \"$1\" = --version ] && echo 'Python 3.10.12'\nexit 1\n")
    old.chmod(0o755)
    done = subprocess.run(
        ["scripts/bootstrap.sh"],
        cwd=REPO,
        env=clean_env(PYTHON=str(old)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "mateway: Python 3.11 or newer is needed, found Python 3.10.12"


def test_directus_not_healthy_in_time_names_its_log_and_stops_the_rest(
    stack_env: dict[str, str], tmp_path: Path
) -> None:
    stack_env["MATEWAY_DIRECTUS_TIMEOUT_SECONDS"] = "1"
    done = _python("start", "--detach", env=stack_env)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("mateway: directus not healthy within 1s"), done.stderr
    assert f"see {tmp_path / 'logs' / 'directus.log'}" in last
    stack = Stack(REPO, stack_env)
    assert stack.open_ports() == []
    assert _python("status", env=stack_env).returncode == 3  # supervisord is gone too
