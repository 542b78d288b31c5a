"""Load from a separate process (k6) and peak-RSS sampling of the process under load."""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from tests.support.servers import REPO_ROOT

K6_BIN = REPO_ROOT / ".venv" / "bin" / "k6"
K6_SCRIPT = Path(__file__).with_name("load.js")


@dataclass(frozen=True)
class LoadResult:
    """What the k6 runs against one target measured."""

    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    failed_checks: int
    peak_rss_mb: float | None = None


@dataclass(frozen=True)
class Target:
    """A URL under load and, when its memory matters, the pid of the server behind it."""

    name: str
    url: str
    pid: int | None = None


@dataclass
class _Samples:
    durations_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failed_checks: int = 0
    peak_rss_bytes: int = 0


def run_k6(url: str, body: dict[str, Any], vus: int, seconds: float, workdir: Path) -> _Samples:
    """Runs k6 with ``vus`` virtual users posting ``body`` to ``url`` for ``seconds``."""
    summary, raw = workdir / "summary.json", workdir / "raw.json"
    args = [
        str(K6_BIN), "run", "--quiet", "--no-usage-report",
        "--vus", str(vus), "--duration", f"{seconds}s",
        "--summary-export", str(summary), "--out", f"json={raw}",
        "-e", f"URL={url}", "-e", f"BODY={json.dumps(body)}",
        str(K6_SCRIPT),
    ]  # fmt: skip
    completed = subprocess.run(
        args, capture_output=True, timeout=seconds + 60, check=False, cwd=REPO_ROOT
    )
    if completed.returncode != 0:
        raise RuntimeError(f"k6 failed: {completed.stderr.decode(errors='replace')[-2000:]}")
    metrics = json.loads(summary.read_text())["metrics"]
    reqs = metrics["http_reqs"]
    return _Samples(
        durations_ms=_durations(raw),
        seconds=float(reqs["count"]) / float(reqs["rate"]) if reqs["rate"] else seconds,
        failed_checks=int(metrics["checks"]["fails"]),
    )


def _durations(raw: Path) -> list[float]:
    """Every request's duration from k6's JSON lines output."""
    durations = []
    with raw.open() as lines:
        for line in lines:
            if '"http_req_duration"' not in line or '"Point"' not in line:
                continue
            durations.append(float(json.loads(line)["data"]["value"]))
    return durations


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def load_interleaved(
    targets: list[Target],
    body: dict[str, Any],
    vus: int,
    rounds: int,
    seconds: float,
    workdir: Path,
    warmup_seconds: float,
) -> dict[str, LoadResult]:
    """Warms every target up, then loads them in turn for ``rounds`` rounds.

    Taking turns spreads background noise on a shared machine over all targets alike.
    """
    samples = {target.name: _Samples() for target in targets}
    for target in targets:
        run_k6(target.url, body, vus, warmup_seconds, workdir)
    for _ in range(rounds):
        for target in targets:
            sampler = PeakRssSampler(target.pid) if target.pid is not None else None
            with sampler or contextlib.nullcontext():
                run = run_k6(target.url, body, vus, seconds, workdir)
            total = samples[target.name]
            total.durations_ms += run.durations_ms
            total.seconds += run.seconds
            total.failed_checks += run.failed_checks
            if sampler is not None:
                total.peak_rss_bytes = max(total.peak_rss_bytes, sampler.peak_bytes)
    return {name: _result(sample) for name, sample in samples.items()}


def _result(sample: _Samples) -> LoadResult:
    count = len(sample.durations_ms)
    return LoadResult(
        requests=count,
        rps=round(count / sample.seconds, 1) if sample.seconds else 0.0,
        p50_ms=round(percentile(sample.durations_ms, 0.50), 3),
        p99_ms=round(percentile(sample.durations_ms, 0.99), 3),
        failed_checks=sample.failed_checks,
        peak_rss_mb=round(sample.peak_rss_bytes / 2**20, 1) if sample.peak_rss_bytes else None,
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
