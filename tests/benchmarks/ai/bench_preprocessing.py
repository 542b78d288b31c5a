"""Preprocessing under load: one call alone, and a burst of distinct messages batched or not.

Figures printed (no timing asserts; they depend on this shared 2-core machine):
- single call: p50/p99 of `Preprocessor.preprocess()` on an idle loop (distinct messages, so
  no cache hits), and of a repeated message (a cache hit);
- a burst of 200 concurrent distinct messages, in the same run and alternating rounds:
  batched (`preprocess()`: micro-batches in one worker thread) and one by one (what
  preprocess() did before: one `asyncio.to_thread(analyse)` per message on the loop's default
  executor); messages/s for each, their ratio, the batch sizes, and how late a 5 ms timer on
  the same event loop fired meanwhile (what every other stream in the process feels).
- in a worker thread vs in a child process (`Preprocessor(child_process=True)`, what the served
  app uses): while one batch of 32 distinct long messages is analysed, how late a 1 ms timer
  on the event loop fires (p50/p99/max), the CPU this process spends per message (the router's
  share) and the child's, and a lone call's latency; the child's RSS.
MATEWAY_BENCH_PREPROCESS_BURST=1000 sets the burst size (the issue's 1,000 replies).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from subgraphs.ai.preprocessing import PreprocessContext, Preprocessor

pytestmark = pytest.mark.benchmark
BURST = int(os.environ.get("MATEWAY_BENCH_PREPROCESS_BURST", "200"))
ROUNDS = 3
SINGLE_CALLS = 60
TICK_SECONDS = 0.005
NO_MATES = PreprocessContext()

_SUBJECTS = [
    "a Python dict lookup that raises KeyError",
    "my React component rendering twice",
    "the causes of the French Revolution",
    "intermittent fasting and blood sugar",
    "pruning roses in early spring",
    "a sourdough starter that will not rise",
    "TCP congestion control in Linux",
    "the proof that there are infinitely many primes",
    "a Kubernetes pod stuck in CrashLoopBackOff",
    "writing a cover letter for a nursing job",
    "the difference between stocks and bonds",
    "training for a first half marathon",
]
_SHORT = ["hi!", "thanks a lot", "good morning", "ok, and then?", "what about {s}?"]
_QUESTION = [
    "Can you explain {s} to me in simple terms?",
    "I am stuck with {s}. What should I check first, and why?",
    "Give me three practical tips about {s}, with a short example each.",
]
_DETAIL = (
    " For context: I have tried the obvious things already, read two tutorials and asked a "
    "friend, and I would like an answer that walks through the reasoning step by step, "
    "compares the main options and says which one you would pick."
)


def burst_messages(count: int, seed: int) -> list[str]:
    """Distinct chat messages, mostly short, some long (as people write them); seeded."""
    chooser = random.Random(seed)
    messages: list[str] = []
    for i in range(count):
        subject = chooser.choice(_SUBJECTS)
        kind = chooser.random()
        if kind < 0.3:
            text = chooser.choice(_SHORT).format(s=subject)
        elif kind < 0.85:
            text = chooser.choice(_QUESTION).format(s=subject)
        else:
            text = chooser.choice(_QUESTION).format(s=subject) + _DETAIL * chooser.randint(1, 3)
        messages.append(f"{text} (#{seed}-{i})")  # distinct, so no cache hit
    return messages


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


@dataclass(frozen=True, slots=True)
class Burst:
    """One burst: wall seconds, process CPU seconds, worst lateness (ms) of a 5 ms timer."""

    seconds: float
    cpu_seconds: float
    timer_late_ms: float


async def timed_burst(run: Callable[[str], Awaitable[object]], texts: list[str]) -> Burst:
    """Runs every text at once while a 5 ms timer on the same loop notes how late it fires."""
    late: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            due = time.perf_counter() + TICK_SECONDS
            await asyncio.sleep(TICK_SECONDS)
            late.append((time.perf_counter() - due) * 1000)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started, cpu_started = time.perf_counter(), time.process_time()
    results = await asyncio.gather(*(run(text) for text in texts))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    done.set()
    await ticking
    assert len(results) == len(texts)
    return Burst(elapsed, cpu, max(late, default=0.0))


async def test_preprocessing_single_call_latency_and_burst_throughput() -> None:
    preprocessor = Preprocessor()
    await asyncio.to_thread(preprocessor.warm_up)

    single: list[float] = []
    for text in burst_messages(SINGLE_CALLS, seed=1):
        started = time.perf_counter()
        await preprocessor.preprocess(text, NO_MATES)
        single.append((time.perf_counter() - started) * 1000)
    repeated: list[float] = []
    for _ in range(SINGLE_CALLS):
        started = time.perf_counter()
        await preprocessor.preprocess("How do I fix a KeyError in Python?", NO_MATES)
        repeated.append((time.perf_counter() - started) * 1000)
    print(
        f"\npreprocess() single call, idle: p50={statistics.median(single):.2f} ms "
        f"p99={pct(single, 99):.2f} ms (n={len(single)}); repeated message (cache hit): "
        f"p50={statistics.median(repeated) * 1000:.0f} us"
    )

    async def one_by_one(text: str) -> object:
        return await asyncio.to_thread(preprocessor.analyse, text, NO_MATES)

    async def batched(text: str) -> object:
        return await preprocessor.preprocess(text, NO_MATES)

    figures: dict[str, list[Burst]] = {"one-by-one": [], "batched": []}
    sizes: list[int] = []
    for round_ in range(ROUNDS):
        texts = burst_messages(BURST, seed=100 + round_)  # both modes get the same messages
        figures["one-by-one"].append(await timed_burst(one_by_one, texts))
        before = len(preprocessor.stats().batch_sizes)
        figures["batched"].append(await timed_burst(batched, texts))
        sizes += preprocessor.stats().batch_sizes[before:]
    assert sum(sizes) == BURST * ROUNDS
    rates = {
        name: statistics.median(BURST / b.seconds for b in runs) for name, runs in figures.items()
    }
    for name, runs in figures.items():
        cpu_ms = statistics.median(b.cpu_seconds / BURST * 1000 for b in runs)
        walls = ", ".join(f"{b.seconds * 1000:.0f}" for b in runs)
        lags = ", ".join(f"{b.timer_late_ms:.0f}" for b in runs)
        print(
            f"preprocess burst of {BURST} distinct messages, {name}: {rates[name]:.0f} messages/s "
            f"(median of {ROUNDS} rounds: {walls} ms), CPU {cpu_ms:.2f} ms per message, "
            f"a 5 ms timer on the loop late by up to {lags} ms"
        )
    print(
        f"preprocess burst: batched / one-by-one throughput = "
        f"{rates['batched'] / rates['one-by-one']:.2f}x; {len(sizes)} batches, "
        f"median size {statistics.median(sizes):.0f}, max {max(sizes)}"
    )


CHILD_ROUNDS = 3
LONG_BATCH = 32
TIMER_SECONDS = 0.001
# Python work the loop does per timer tick in the "busy" runs, holding the GIL as a router's
# loop does while it forwards tokens.
BUSY_MS = (0.0, 0.5)


def long_messages(count: int, seed: int) -> list[str]:
    """Distinct long messages (about 200 tokens each), so a batch is the worst case."""
    return [
        f"{_QUESTION[i % len(_QUESTION)].format(s=_SUBJECTS[i % len(_SUBJECTS)])}{_DETAIL * 3}"
        f" (#{seed}-{i})"
        for i in range(count)
    ]


def child_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of another process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MB, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def spin(milliseconds: float) -> None:
    """Pure-Python work for about this long (it holds the GIL)."""
    end = time.perf_counter() + milliseconds / 1000
    while time.perf_counter() < end:
        pass


@dataclass
class LoopFigures:
    """One mode's figures over its rounds."""

    late_ms: list[float]
    cpu_ms: list[float]  # this process's CPU per message, the timer's own work included
    child_cpu_ms: list[float]


async def batch_on_a_ticking_loop(
    preprocessor: Preprocessor, texts: list[str], busy_ms: float, figures: LoopFigures
) -> None:
    """Analyses `texts` at once while a 1 ms timer (doing `busy_ms` of work per tick) notes
    how late it fires; adds the lateness and the CPU of this process and the child."""
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            due = time.perf_counter() + TIMER_SECONDS
            await asyncio.sleep(TIMER_SECONDS)
            figures.late_ms.append((time.perf_counter() - due) * 1000)
            spin(busy_ms)

    pid = await preprocessor.child_pid()
    child_before = child_cpu_seconds(pid) if pid is not None else 0.0
    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    cpu_before = time.process_time()
    await asyncio.gather(*(preprocessor.preprocess(text, NO_MATES) for text in texts))
    figures.cpu_ms.append((time.process_time() - cpu_before) / len(texts) * 1000)
    if pid is not None:
        figures.child_cpu_ms.append((child_cpu_seconds(pid) - child_before) / len(texts) * 1000)
    done.set()
    await ticking
    assert preprocessor.stats().batch_sizes[-1] == len(texts)


async def test_preprocessing_in_a_child_process_keeps_the_event_loop_on_time() -> None:
    modes = {"thread": Preprocessor(), "child process": Preprocessor(child_process=True)}
    for preprocessor in modes.values():
        await asyncio.to_thread(preprocessor.warm_up)
    pid = await modes["child process"].child_pid()
    assert pid is not None
    loaded_rss = rss_mb(pid)
    for busy_ms in BUSY_MS:
        for name, preprocessor in modes.items():
            figures = LoopFigures([], [], [])
            for round_ in range(CHILD_ROUNDS):
                texts = long_messages(LONG_BATCH, seed=round_ + int(busy_ms * 1000))
                await batch_on_a_ticking_loop(preprocessor, texts, busy_ms, figures)
            late = figures.late_ms
            child = figures.child_cpu_ms
            print(
                f"\npreprocess {CHILD_ROUNDS}x a batch of {LONG_BATCH} long messages, {name}, "
                f"loop busy {busy_ms} ms per 1 ms tick: timer late p50="
                f"{statistics.median(late):.2f} p99={pct(late, 99):.2f} max={max(late):.2f} ms "
                f"(n={len(late)}); this process's CPU {statistics.median(figures.cpu_ms):.1f} ms "
                f"per message" + (f", the child's {statistics.median(child):.1f}" if child else "")
            )
    for name, preprocessor in modes.items():
        single: list[float] = []
        for text in burst_messages(SINGLE_CALLS // 2, seed=900):
            started = time.perf_counter()
            await preprocessor.preprocess(text, NO_MATES)
            single.append((time.perf_counter() - started) * 1000)
        print(f"preprocess() single call, idle, {name}: p50={statistics.median(single):.2f} ms")
    print(
        f"preprocessing child process RSS: {loaded_rss:.0f} MB with the model loaded, "
        f"{rss_mb(pid):.0f} MB after the batches"
    )
    await modes["child process"].aclose()
