"""Helpers of the platform acceptance tests: a clone of the repo and its start-server.sh."""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from tests.support.ports import free_port, port_is_open

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 900  # a first start may install Python packages and Directus


def clean_env(**overrides: str) -> dict[str, str]:
    """The test's environment without the caller's stack settings or virtualenv."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "VIRTUAL_ENV" and (not key.startswith("MATEWAY_") or key == "MATEWAY_CACHE")
    }
    venv_bin = str(REPO / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env.update(overrides)
    return env


@dataclass
class Stack:
    """A Mateway clone on free ports, driven through its ./start-server.sh."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def on(cls, root: Path, **settings: str) -> Stack:
        """A stack of the checkout at `root` on free ports (plus any other settings)."""
        ports = {
            "MATEWAY_PORT": str(free_port()),
            "MATEWAY_DIRECTUS_PORT": str(free_port()),
            "MATEWAY_VALKEY_PORT": str(free_port()),
        }
        return cls(root, clean_env(**ports, **settings))

    @property
    def ports(self) -> dict[str, int]:
        """The service ports of this stack."""
        return {
            "router": int(self.env["MATEWAY_PORT"]),
            "directus": int(self.env["MATEWAY_DIRECTUS_PORT"]),
            "valkey": int(self.env["MATEWAY_VALKEY_PORT"]),
        }

    @property
    def health_url(self) -> str:
        """The router's /health."""
        return f"http://127.0.0.1:{self.ports['router']}/health"

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run ./start-server.sh with `args`; its output (stdout then stderr) as text."""
        return subprocess.run(
            ["./start-server.sh", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> tuple[subprocess.CompletedProcess[str], float]:
        """A detached start and how long it took."""
        started = time.monotonic()
        done = self.run("--detach", timeout=START_TIMEOUT)
        return done, time.monotonic() - started

    def pids(self) -> dict[str, int]:
        """Each running service's PID, as `--status` prints it."""
        done = self.run("--status")
        found = re.findall(r"^(\S+)\s+RUNNING\s+(\d+)\s", done.stdout, re.MULTILINE)
        return {name: int(pid) for name, pid in found}

    def process_tree(self) -> set[int]:
        """Every PID of the stack: supervisord, the services and their children."""
        pids: set[int] = set()
        for pid in self.pids().values():
            try:
                process = psutil.Process(pid)
                pids |= {pid, *(child.pid for child in process.children(recursive=True))}
            except psutil.Error:
                continue
        return pids

    def health(self) -> httpx.Response:
        """GET /health."""
        return httpx.get(self.health_url, timeout=15)

    def wait_health(
        self, status: int, timeout: float = 90, naming: str | None = None
    ) -> httpx.Response:
        """Poll /health until it answers `status` (with `naming` in its body); the last response.

        A dependency that goes down can take others with it a moment before its own check
        fails (Valkey stopping makes the worker's ping fail first): `naming` waits for it.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = self.health()
                wanted = response.status_code == status
                if wanted and naming is not None:
                    wanted = naming in response.text
                if wanted or time.monotonic() > deadline:
                    return response
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.5)

    def open_ports(self) -> list[str]:
        """The services whose port still accepts connections."""
        return [name for name, port in self.ports.items() if port_is_open(port)]


def clone_repo(into: Path) -> Path:
    """`git clone` of the working repo's HEAD (only committed files, as on CI)."""
    root = into / "mateway"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(root)], check=True)
    return root


def alive(pids: set[int]) -> set[int]:
    """The PIDs still running (zombies waiting for a reaper count as gone)."""
    running: set[int] = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.add(pid)
        except psutil.Error:
            continue
    return running
