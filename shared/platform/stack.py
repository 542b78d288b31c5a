"""Start and stop the local stack: each service in order, each waited for by its health."""

from __future__ import annotations

import json
import logging
import logging.handlers
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from shared.logging import JsonFormatter
from shared.platform import supervisor
from shared.platform.firstrun import first_admin_invite, guidance
from shared.platform.probes import port_in_use, probe
from shared.platform.secrets import ensure_secrets
from shared.platform.services import Service, services
from shared.platform.settings import PlatformSettings, StackPaths
from shared.platform.timings import record_start

PORT_VARIABLES = {
    "valkey": "MATEWAY_VALKEY_PORT",
    "directus": "MATEWAY_DIRECTUS_PORT",
    "router": "MATEWAY_PORT",
}


class StackError(Exception):
    """A start or stop failure, described in one line for the admin."""


_events = logging.getLogger("mateway.platform")


def log_events_to(paths: StackPaths) -> None:
    """Also record the progress lines as JSON in logs/start-server.log."""
    if _events.handlers:
        return
    paths.logs.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.WatchedFileHandler(paths.log("start-server"))
    handler.setFormatter(JsonFormatter("mateway-platform"))
    _events.addHandler(handler)
    _events.setLevel(logging.INFO)
    _events.propagate = False


def say(message: str, level: int = logging.INFO) -> None:
    """One progress line on stderr (and in the JSON event log)."""
    print(f"mateway: {message}", file=sys.stderr, flush=True)
    _events.log(level, message)


def _log_hint(service: Service, paths: StackPaths) -> str:
    hint = str(paths.log(service.name))
    if service.name == "directus":
        hint += f" and {paths.directus / 'directus.log'}"
    return hint


def check_ports(settings: PlatformSettings, to_start: list[Service]) -> None:
    """Fail with the port and its service when something else already listens there."""
    for service in to_start:
        host = settings.host if service.name == "router" else "127.0.0.1"
        if service.port is not None and port_in_use(host, service.port):
            raise StackError(
                f"port {service.port} ({service.name}) is in use; stop what uses it or set "
                f"{PORT_VARIABLES[service.name]}"
            )


def wait_healthy(service: Service, settings: PlatformSettings, paths: StackPaths) -> float:
    """Block until `service` is healthy; its start time, or StackError naming its log."""
    started = time.monotonic()
    deadline = started + service.timeout_seconds
    reason: str | None = "not checked yet"
    while time.monotonic() < deadline:
        info = supervisor.process_info(paths)[service.name]
        if info["statename"] in ("FATAL", "EXITED", "STOPPED"):
            raise StackError(
                f"{service.name} exited while starting ({info['spawnerr'] or info['description']})"
                f"; see {_log_hint(service, paths)}"
            )
        reason = probe(service.name, settings)
        if reason is None:
            return time.monotonic() - started
        time.sleep(0.25)
    raise StackError(
        f"{service.name} not healthy within {service.timeout_seconds:g}s ({reason}); "
        f"see {_log_hint(service, paths)}"
    )


def start_services(settings: PlatformSettings, paths: StackPaths, names: set[str]) -> None:
    """Start the named services in stack order, each once the previous one is healthy."""
    for service in services(settings):
        if service.name not in names:
            continue
        say(f"starting {service.name}")
        supervisor.rpc(paths).supervisor.startProcess(service.name, False)
        seconds = wait_healthy(service, settings, paths)
        say(f"{service.name} is up ({seconds:.1f}s)")


def _not_running(paths: StackPaths, stack: list[Service]) -> list[Service]:
    infos = supervisor.process_info(paths)
    return [s for s in stack if infos.get(s.name, {}).get("statename") != "RUNNING"]


def start(settings: PlatformSettings, paths: StackPaths, detach: bool, t0: float) -> int:
    """`./start-server.sh [--detach]`: start what is not running, then print the guidance."""
    paths.data.mkdir(parents=True, exist_ok=True)
    paths.logs.mkdir(parents=True, exist_ok=True)
    ensure_secrets(paths.secrets)
    stack = services(settings)
    first_start = not (paths.directus / ".bootstrapped").is_file()
    pid = supervisor.supervisord_pid(paths)
    process: subprocess.Popen[bytes] | None = None
    if pid is None:
        check_ports(settings, stack)
        process = supervisor.launch(paths, supervisor.write_config(paths, stack))
        save_settings(settings, paths)
        pid = process.pid
        to_start = stack
    else:
        to_start = _not_running(paths, stack)
        check_ports(settings, to_start)
        say("already running; starting what is stopped" if to_start else "already running")
    try:
        start_services(settings, paths, {s.name for s in to_start})
        print(guidance(settings, paths, first_admin_invite(settings, paths)), flush=True)
    except (StackError, KeyboardInterrupt):
        if process is not None:
            say("stopping what was started")
            supervisor.shutdown(paths, pid)
        raise
    if process is not None:
        record_start(paths.timings, first_start, time.time() - t0)
    if process is None or detach:
        print("\nStop with ./start-server.sh --stop; status with --status.", flush=True)
        return 0
    return _foreground(paths, process)


def _raise_interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _foreground(paths: StackPaths, process: subprocess.Popen[bytes]) -> int:
    """Wait until Ctrl-C (or SIGTERM), then stop every service."""
    print("\nCtrl-C stops every service (or run ./start-server.sh --stop elsewhere).", flush=True)
    # Explicitly: a shell starting us in the background may have left SIGINT ignored.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: terminal closed
        signal.signal(signum, _raise_interrupt)
    try:
        process.wait()
        say("supervisord exited; the stack is stopped")
        return 1
    except KeyboardInterrupt:
        say("stopping every service")
        supervisor.shutdown(paths, process.pid)
        say("stopped")
        return 0


def stop(settings: PlatformSettings, paths: StackPaths) -> int:
    """`--stop`: stop every service and supervisord; fails if one is left behind."""
    pid = supervisor.supervisord_pid(paths)
    if pid is None:
        say("not running")
        return 0
    say("stopping every service")
    if not supervisor.shutdown(paths, pid):
        raise StackError(f"supervisord (pid {pid}) did not exit; see {paths.log('supervisord')}")
    busy = [
        s for s in services(settings) if s.port is not None and port_in_use("127.0.0.1", s.port)
    ]
    if busy:
        names = ", ".join(f"{s.name} ({s.port})" for s in busy)
        raise StackError(f"stopped, but ports are still in use: {names}")
    say("stopped")
    return 0


SAVED_FIELDS = ("host", "port", "directus_port", "valkey_port", "redis_url")


def save_settings(settings: PlatformSettings, paths: StackPaths) -> None:
    """Remember the running stack's ports, so --status and --stop from any shell find them."""
    saved = {
        name: getattr(settings, name)
        for name in SAVED_FIELDS
        if name != "redis_url" or settings.external_redis
    }
    (paths.supervisor / "settings.json").write_text(json.dumps(saved) + "\n")


def running_settings(settings: PlatformSettings, paths: StackPaths) -> PlatformSettings:
    """The settings the running stack was started with (`settings` when none is running)."""
    saved = paths.supervisor / "settings.json"
    if supervisor.supervisord_pid(paths) is None or not saved.is_file():
        return settings
    return PlatformSettings(**json.loads(saved.read_text()))


def repo_root() -> Path:
    """The repository this package belongs to."""
    return Path(__file__).resolve().parents[2]
