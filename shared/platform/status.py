"""`--status`: each service's state, PID, health and RSS, the idle total, the start durations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psutil

from shared.platform import supervisor
from shared.platform.probes import probe
from shared.platform.services import services
from shared.platform.settings import PlatformSettings, StackPaths
from shared.platform.timings import read_timings

MB = 1024 * 1024


@dataclass(frozen=True)
class ServiceStatus:
    """One line of the status table."""

    name: str
    state: str
    pid: int | None
    health: str
    rss_bytes: int


def tree_rss(pid: int) -> int:
    """The resident memory of a process and all its descendants (bytes)."""
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def collect(settings: PlatformSettings, paths: StackPaths, pid: int) -> list[ServiceStatus]:
    """The status of supervisord and of every service."""
    infos: dict[str, dict[str, Any]] = supervisor.process_info(paths)
    own = psutil.Process(pid).memory_info().rss
    rows = [ServiceStatus("supervisord", "RUNNING", pid, "up", own)]
    for service in services(settings):
        info = infos.get(service.name, {})
        state = str(info.get("statename", "UNKNOWN"))
        service_pid = int(info.get("pid") or 0) or None
        health = "down" if state != "RUNNING" else (probe(service.name, settings) or "up")
        rss = tree_rss(service_pid) if service_pid else 0
        rows.append(ServiceStatus(service.name, state, service_pid, health, rss))
    return rows


def render(rows: list[ServiceStatus], timings: dict[str, Any]) -> str:
    """The status as printed: a table, the RSS total, the start durations."""
    lines = [f"{'service':<12} {'state':<9} {'pid':>8} {'rss MB':>8}  health"]
    for row in rows:
        pid = str(row.pid) if row.pid else "-"
        lines.append(
            f"{row.name:<12} {row.state:<9} {pid:>8} {row.rss_bytes / MB:>8.1f}  {row.health}"
        )
    total = sum(row.rss_bytes for row in rows) / MB
    lines.append(f"idle RSS total: {total:.1f} MB (goal: at most 700 MB)")
    lines.append(_duration_line(timings))
    return "\n".join(lines)


def _duration_line(timings: dict[str, Any]) -> str:
    first = timings.get("first_start_seconds")
    warm = timings.get("warm_start_seconds")
    first_text = f"{first}s" if first is not None else "not recorded"
    warm_text = f"{warm}s" if warm is not None else "not recorded"
    return f"last first start: {first_text}; last warm start: {warm_text}"


def status(settings: PlatformSettings, paths: StackPaths) -> int:
    """Print the status; exit code 0 when all is up, 1 when something is down, 3 if stopped."""
    pid = supervisor.supervisord_pid(paths)
    if pid is None:
        print("mateway: not running")
        print(_duration_line(read_timings(paths.timings)))
        return 3
    rows = collect(settings, paths, pid)
    print(render(rows, read_timings(paths.timings)))
    return 0 if all(row.health == "up" for row in rows) else 1
