"""The analysis in a child process: one spawned process per Preprocessor, off the loop's GIL.

The encoder's matmuls and the scoring hold the GIL and a core for milliseconds per message; in
a worker thread of the router's process they delay the event loop that forwards every reply's
tokens. Here they run in a child started with "spawn" (never fork: the parent has threads and
an event loop), which builds its own Analyser from the same configuration and loads the model
when it starts. Only texts, contexts and results cross, pickled. A child that dies (killed,
out of memory) fails the batch it was running; the next call starts a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from subgraphs.ai.preprocessing.analysis import Analyser, Analysis, MateProfile, PreprocessContext
from subgraphs.ai.preprocessing.config import PreprocessingConfig

Item = tuple[str, PreprocessContext]

# How much lower the child's CPU priority is than its router's (nice(2) steps). On a machine
# where the cores are busy, the scheduler then runs the router's token forwarding first and the
# analysis in what is left: at 1,000 streams a child at the same priority took the router's
# turns (tests/benchmarks/ai/bench_ai_stream.py: 137 ms added p99 per chunk, 97 ms at +10).
CHILD_NICENESS = 10

# In the child only: its Analyser, built by the pool's initializer.
_analyser: Analyser | None = None


def _start_child(
    config: PreprocessingConfig, builtin_mates: tuple[MateProfile, ...] | None
) -> None:
    global _analyser
    # Ctrl-C in a terminal reaches the whole process group; the parent stops the child itself
    # at its shutdown, after the replies in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(CHILD_NICENESS)
    _analyser = Analyser(config, builtin_mates)
    # A model that fails to load fails each batch instead (loaded() retries), as in a thread;
    # raising here would break the pool and start a new child per batch.
    with contextlib.suppress(Exception):
        _analyser.loaded()


def _analyse_in_child(items: Sequence[Item]) -> list[Analysis]:
    assert _analyser is not None, "the pool's initializer builds the analyser"
    return _analyser.analyse_many(items)


def _child_pid() -> int:
    return os.getpid()


class AnalysisProcess:
    """Runs `Analyser.analyse_many` in one spawned child, replaced when it dies."""

    def __init__(
        self, config: PreprocessingConfig, builtin_mates: Sequence[MateProfile] | None = None
    ) -> None:
        # The configuration, not live objects: the child builds its own models from it.
        self._init_args = (config, tuple(builtin_mates) if builtin_mates is not None else None)
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.calls = 0  # batches sent to a child

    def start(self) -> Future[int]:
        """Starts the child if none runs; the future gives its pid once its model is loaded."""
        return self._live().submit(_child_pid)

    async def pid(self) -> int:
        """The running child's pid (starting one if none runs)."""
        return await asyncio.wrap_future(self.start())

    async def analyse_many(self, items: Sequence[Item]) -> list[Analysis]:
        """Topic, mate and difficulty of each message, computed in the child."""
        loop = asyncio.get_running_loop()
        executor = self._live()
        try:
            running = loop.run_in_executor(executor, _analyse_in_child, items)
        except BrokenProcessPool:
            # The child died while idle (killed, out of memory) and nothing was sent yet: this
            # batch can go to a new child at once.
            self._discard(executor)
            executor = self._live()
            running = loop.run_in_executor(executor, _analyse_in_child, items)
        self.calls += 1
        try:
            return await running
        except BrokenProcessPool:
            self._discard(executor)  # died during the batch: the next call starts a new child
            raise

    def close(self) -> None:
        """Stops the child (after the batch it is running, if any) and waits for it to exit."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _live(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_child,
                    initargs=self._init_args,
                )
            return self._executor

    def _discard(self, executor: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is executor:
                self._executor = None
        executor.shutdown(wait=False, cancel_futures=True)
