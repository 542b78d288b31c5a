"""Load from a separate process (k6) and peak-RSS sampling of the process under load."""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from tests.support.servers import REPO_ROOT

K6_BIN = REPO_ROOT / ".venv" / "bin" / "k6"
K6_SCRIPT = Path(__file__).with_name("load.js")


@dataclass(frozen=True)
class LoadResult:
    """What one k6 run measured."""

    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    failed_checks: int
    peak_rss_mb: float | None = None


def run_k6(url: str, body: dict[str, Any], vus: int, seconds: float, summary: Path) -> LoadResult:
    """Runs k6 with ``vus`` virtual users posting ``body`` to ``url`` for ``seconds``."""
    args = [
        str(K6_BIN), "run", "--quiet", "--no-usage-report",
        "--vus", str(vus), "--duration", f"{seconds}s",
        "--summary-export", str(summary), "--summary-trend-stats", "med,p(99)",
        "-e", f"URL={url}", "-e", f"BODY={json.dumps(body)}",
        str(K6_SCRIPT),
    ]  # fmt: skip
    completed = subprocess.run(
        args, capture_output=True, timeout=seconds + 60, check=False, cwd=REPO_ROOT
    )
    if completed.returncode != 0:
        raise RuntimeError(f"k6 failed: {completed.stderr.decode(errors='replace')[-2000:]}")
    metrics = json.loads(summary.read_text())["metrics"]
    duration = metrics["http_req_duration"]
    return LoadResult(
        requests=int(metrics["http_reqs"]["count"]),
        rps=float(metrics["http_reqs"]["rate"]),
        p50_ms=float(duration["med"]),
        p99_ms=float(duration["p(99)"]),
        failed_checks=int(metrics["checks"]["fails"]),
    )


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its children."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


class PeakRssSampler:
    """Samples a process tree's RSS in a thread while a ``with`` block runs; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self._pid = pid
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.peak_bytes = 0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self._pid))
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def peak_mb(self) -> float:
        """The peak in MiB."""
        return self.peak_bytes / (1024 * 1024)
