"""supervisord as the stack's process manager: its config, its start, and its control API.

Every service is a `[program:...]` with `autostart=false`: the orchestrator starts them one
by one through the XML-RPC API and waits for each to be healthy. `autorestart=unexpected`
restarts a service that crashes (killed by a signal, non-zero exit) but leaves one that was
stopped on purpose (SIGTERM, exit 0) down, so /health names it until `./start-server.sh`
starts it again. Children run in their own process groups: stopping kills the whole group.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import SupervisorTransport

from shared.platform.services import Service
from shared.platform.settings import StackPaths

STOP_WAIT_SECONDS = 20


def _escape(value: object) -> str:
    # supervisord expands %(name)s in its config; a literal % must be doubled.
    return str(value).replace("%", "%%")


def render_config(paths: StackPaths, services: list[Service]) -> str:
    """The supervisord.conf text for the services, in priority (start) order."""
    python = _escape(sys.executable)
    lines = [
        "[unix_http_server]",
        f"file={_escape(paths.socket)}",
        "chmod=0700",
        "",
        "[supervisord]",
        f"logfile={_escape(paths.log('supervisord'))}",
        "logfile_maxbytes=10MB",
        "logfile_backups=2",
        f"pidfile={_escape(paths.supervisor / 'supervisord.pid')}",
        f"directory={_escape(paths.root)}",
        "nodaemon=true",
        "silent=true",
        "identifier=mateway",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_escape(paths.socket)}",
    ]
    for priority, service in enumerate(services, start=1):
        lines += [
            "",
            f"[program:{service.name}]",
            f"command={python} -m shared.platform.run {service.name}",
            f"directory={_escape(paths.root)}",
            f"priority={priority * 10}",
            "autostart=false",
            "autorestart=unexpected",
            "startsecs=1",
            "startretries=3",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_WAIT_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_escape(paths.log(service.name))}",
            "stdout_logfile_maxbytes=20MB",
            "stdout_logfile_backups=3",
        ]
    return "\n".join(lines) + "\n"


def write_config(paths: StackPaths, services: list[Service]) -> Path:
    """Write supervisord.conf under the data folder and return its path."""
    paths.supervisor.mkdir(parents=True, exist_ok=True)
    config = paths.supervisor / "supervisord.conf"
    config.write_text(render_config(paths, services))
    return config


def rpc(paths: StackPaths) -> Any:
    """An XML-RPC proxy to the running supervisord (over its unix socket)."""
    transport = SupervisorTransport(None, None, f"unix://{paths.socket}")
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)


def supervisord_pid(paths: StackPaths) -> int | None:
    """The pid of the stack's supervisord when it is running and answering, else None."""
    pidfile = paths.supervisor / "supervisord.pid"
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
        rpc(paths).supervisor.getState()
    except (OSError, ValueError, xmlrpc.client.Error):
        return None
    return pid


def launch(paths: StackPaths, config: Path, timeout: float = 30.0) -> subprocess.Popen[bytes]:
    """Start supervisord in its own session (Ctrl-C in the terminal does not reach it)."""
    with contextlib.suppress(FileNotFoundError):
        paths.socket.unlink()  # left by a supervisord that was killed
    paths.logs.mkdir(parents=True, exist_ok=True)
    supervisord = Path(sys.executable).parent / "supervisord"
    with paths.log("supervisord").open("ab") as log:
        process = subprocess.Popen(
            [str(supervisord), "-c", str(config)],
            cwd=paths.root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"supervisord exited at start (see {paths.log('supervisord')})")
        if supervisord_pid(paths) == process.pid:
            return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"supervisord did not answer within {timeout:g}s")


def process_info(paths: StackPaths) -> dict[str, dict[str, Any]]:
    """supervisord's view of every program: state name, pid, exit status."""
    infos = rpc(paths).supervisor.getAllProcessInfo()
    return {info["name"]: info for info in infos}


def shutdown(paths: StackPaths, pid: int, timeout: float = STOP_WAIT_SECONDS * 4 + 10) -> bool:
    """Ask supervisord to stop every service (reverse order) and exit; True once it is gone."""
    with contextlib.suppress(OSError, xmlrpc.client.Error):
        rpc(paths).supervisor.shutdown()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours (foreground mode) is gone for every purpose but the table.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return False
