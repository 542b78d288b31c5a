"""Foreground mode: Ctrl-C (SIGINT) to start-server stops every service it started."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.platform.stack import Stack, alive

pytestmark = pytest.mark.timeout(600)


def _wait_for(path: Path, text: str, process: subprocess.Popen[bytes], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = path.read_text() if path.exists() else ""
        if text in output or process.poll() is not None:
            return output
        time.sleep(0.5)
    return path.read_text()


def test_ctrl_c_in_the_foreground_stops_every_service(clone: Path, tmp_path: Path) -> None:
    stack = Stack.on(
        clone, MATEWAY_DATA_DIR=str(tmp_path / "data"), MATEWAY_LOG_DIR=str(tmp_path / "logs")
    )
    out = tmp_path / "out.txt"
    with out.open("wb") as sink:
        # start-server.sh execs the orchestrator, so this pid is the one Ctrl-C reaches.
        process = subprocess.Popen(
            ["./start-server.sh"],
            cwd=clone,
            env=stack.env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        output = _wait_for(out, "Ctrl-C stops every service", process, timeout=500)
        assert process.poll() is None, output
        tree = {p.pid for p in psutil.Process(process.pid).children(recursive=True)}
        assert len(tree) >= 5, output  # supervisord and the services
        os.kill(process.pid, signal.SIGINT)
        assert process.wait(timeout=120) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert "mateway: stopped" in out.read_text()
    assert alive(tree) == set()
    assert stack.open_ports() == []
