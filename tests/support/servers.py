"""Servers for tests: an ASGI app on uvicorn in a thread, or any command in a subprocess."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from tests.support.ports import LOOPBACK, free_port, wait_for_port

REPO_ROOT = Path(__file__).resolve().parents[2]
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGKILL it when the test process dies.

    Servers run in their own session so teardown can kill their whole group; without
    this, a test run killed by a timeout would leave them running on a shared machine.
    SIGKILL, not SIGTERM: Hive Gateway ignores a SIGTERM that arrives while it starts.
    """
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


LOG_DIR = REPO_ROOT / "logs" / "tests"


class UvicornThread:
    """Runs an ASGI app on uvicorn in a daemon thread on a free loopback port."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(
            app,
            host=LOOPBACK,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="auto",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 15.0) -> UvicornThread:
        """Starts the server and waits until uvicorn reports it is serving."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Asks uvicorn to exit and joins the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)


@dataclass
class ManagedProcess:
    """A command started in its own process group, listening on ``port``."""

    name: str
    args: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = REPO_ROOT
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the process's server."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        """Where the process's stdout and stderr go."""
        return LOG_DIR / f"{self.name}-{self.port}.log"

    @property
    def pid(self) -> int:
        """The process id (the process must be running)."""
        assert self.process is not None
        return self.process.pid

    def launch(self) -> ManagedProcess:
        """Starts the command without waiting for it to listen."""
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.args,
                cwd=self.cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        return self

    def wait_ready(self, timeout: float = 60.0, ready_path: str | None = None) -> ManagedProcess:
        """Waits for the port (and ``ready_path`` to answer < 500); stops the process on failure."""
        assert self.process is not None, "launch() first"
        try:
            wait_for_port(self.port, timeout=timeout, process=self.process)
            if ready_path is not None:
                self._wait_for_http(ready_path, timeout)
        except Exception as error:
            self.stop()
            raise RuntimeError(
                f"{self.name} failed to start: {error}\n{self.tail_log()}"
            ) from error
        return self

    def start(self, timeout: float = 60.0, ready_path: str | None = None) -> ManagedProcess:
        """Launches the command and waits until it is ready."""
        return self.launch().wait_ready(timeout=timeout, ready_path=ready_path)

    def _wait_for_http(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + path, timeout=2.0).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.url}{path} did not answer within {timeout}s")

    def tail_log(self, lines: int = 40) -> str:
        """The last lines the process wrote, for failure messages."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Terminates the whole process group, then kills it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass


def python_module_process(
    name: str, module: str, *extra: str, port: int | None = None
) -> ManagedProcess:
    """A ``python -m module --port N`` process with this interpreter (not yet started)."""
    chosen = port or free_port()
    args = [sys.executable, "-m", module, *extra, "--port", str(chosen)]
    return ManagedProcess(name=name, args=args, port=chosen)


class ProcessGroup:
    """Starts processes and stops every one of them, in reverse order, on ``stop_all``."""

    def __init__(self) -> None:
        self._processes: list[ManagedProcess] = []

    def start(
        self, process: ManagedProcess, timeout: float = 60.0, ready_path: str | None = None
    ) -> ManagedProcess:
        """Starts ``process`` and remembers it for teardown."""
        self._processes.append(process)
        return process.start(timeout=timeout, ready_path=ready_path)

    def start_many(
        self, processes: list[ManagedProcess], timeout: float = 60.0
    ) -> list[ManagedProcess]:
        """Launches all ``processes`` at once (they boot in parallel), then waits for each."""
        for process in processes:
            self._processes.append(process)
            process.launch()
        return [process.wait_ready(timeout=timeout) for process in processes]

    def stop_all(self) -> None:
        """Stops every process started here."""
        while self._processes:
            self._processes.pop().stop()
