"""preprocess(text, context): topic, mate suggestion, difficulty and moderation of a message.

The analysis (analysis.py) is CPU work: concurrent calls on one event loop are micro-batched
(batching.py), so a burst of messages costs a few batched encoder passes instead of one pass
and one hop each, run in a child process (analysis_process.py, `child_process=True`, what the
served app uses) or a worker thread. Results are kept in a bounded LRU cache in this process,
keyed by the text and the user's mates, so a repeated message costs no model work. Moderation
is a provider call per message, never cached, and runs while the analysis does.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from subgraphs.ai.preprocessing.analysis import (
    Analyser,
    Analysis,
    MateKey,
    MateProfile,
    PreprocessContext,
    builtin_mate_profiles,
    mate_key,
)
from subgraphs.ai.preprocessing.analysis_process import AnalysisProcess
from subgraphs.ai.preprocessing.batching import MicroBatcher
from subgraphs.ai.preprocessing.cache import LruCache
from subgraphs.ai.preprocessing.catalogue import Match
from subgraphs.ai.preprocessing.config import PreprocessingConfig, default_preprocessing_config
from subgraphs.ai.preprocessing.difficulty import DifficultyEstimate
from subgraphs.ai.preprocessing.encoder import SentenceEncoder
from subgraphs.ai.preprocessing.moderation import (
    ModerationUnavailable,
    ModerationVerdict,
    Moderator,
)

__all__ = [
    "MateProfile",
    "PreprocessContext",
    "PreprocessResult",
    "PreprocessStats",
    "Preprocessor",
    "builtin_mate_profiles",
    "default_preprocessor",
    "install_preprocessor",
    "installed_preprocessor",
    "preprocess",
]

AnalysisKey = tuple[str, tuple[MateKey, ...]]
Item = tuple[str, PreprocessContext]


def analysis_key(text: str, context: PreprocessContext) -> AnalysisKey:
    """What an analysis depends on: the text and the user's mates' ids and texts, in order."""
    return text, tuple(mate_key(mate) for mate in context.user_mates)


@dataclass(frozen=True, slots=True)
class PreprocessResult:
    """The outcome the reply stream emits as an event before the provider call."""

    topic: Match
    mate: Match | None
    difficulty: DifficultyEstimate
    # None: no moderator configured, or it did not answer (then moderation_error says why).
    moderation: ModerationVerdict | None
    moderation_error: str | None = None
    elapsed_ms: float = field(default=0.0, compare=False)

    @property
    def flagged(self) -> bool:
        """True when the moderator flagged the message."""
        return self.moderation is not None and self.moderation.flagged

    def as_event(self) -> dict[str, Any]:
        """A JSON-ready payload for the reply stream's preprocessing event."""
        payload = asdict(self)
        if self.moderation is not None:
            payload["moderation"]["categories"] = list(self.moderation.categories)
        return payload


@dataclass(frozen=True, slots=True)
class PreprocessStats:
    """What preprocess() has done: messages run through the model, cache use, batch sizes."""

    analysed: int
    cache_hits: int
    cache_entries: int
    batch_sizes: tuple[int, ...]  # the latest batches run on the calling event loop
    child_calls: int = 0  # batches sent to the child process (child_process=True)


class Preprocessor:
    """Routes a message to a topic and a mate, estimates its difficulty and moderates it.

    With `child_process=True` the model work of `preprocess()` runs in one spawned child
    process (started by the first call or `warm_up()`, stopped by `close()`/`aclose()`), so its
    CPU and GIL leave this process's event loop; else in a worker thread of this process.
    """

    def __init__(
        self,
        config: PreprocessingConfig | None = None,
        moderator: Moderator | None = None,
        builtin_mates: Sequence[MateProfile] | None = None,
        encoder: SentenceEncoder | None = None,
        cache_size: int = 4096,
        max_batch: int = 32,
        child_process: bool = False,
    ) -> None:
        config = config or default_preprocessing_config()
        if child_process and encoder is not None:
            raise ValueError("a given encoder runs in this process: it cannot go to a child")
        self._analyser = Analyser(config, builtin_mates, encoder)
        self._child = AnalysisProcess(config, builtin_mates) if child_process else None
        self._moderator = moderator
        self._cache: LruCache[AnalysisKey, Analysis] = LruCache(cache_size)
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._analysed = 0
        # One batcher per event loop (a batcher's futures belong to one loop); a closed loop's
        # batcher goes with it.
        self._batchers: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, MicroBatcher[Item, Analysis]
        ] = weakref.WeakKeyDictionary()

    @property
    def moderates(self) -> bool:
        """Whether a moderator checks each message."""
        return self._moderator is not None

    def warm_up(self) -> None:
        """Loads the model and embeds topics, mates and exemplars now (in the child, if any)."""
        if self._child is not None:
            self._child.start().result()
        else:
            self._analyser.loaded()

    async def child_pid(self) -> int | None:
        """The child process's pid (starting it if none runs); None when analysing in-thread."""
        return await self._child.pid() if self._child is not None else None

    def close(self) -> None:
        """Stops the child process, if any, and waits for it to exit; a later call restarts it."""
        if self._child is not None:
            self._child.close()

    async def aclose(self) -> None:
        """`close()` without blocking the event loop (the child may finish a batch first)."""
        await asyncio.to_thread(self.close)

    def analyse(self, text: str, context: PreprocessContext) -> Analysis:
        """Topic, mate and difficulty of a message, in this process (no I/O, no cache)."""
        return self._analyser.analyse_many([(text, context)])[0]

    def analyse_many(self, items: Sequence[Item]) -> list[Analysis]:
        """Several messages in one encoder call, in this process (no cache)."""
        return self._analyser.analyse_many(items)

    async def preprocess(self, text: str, context: PreprocessContext) -> PreprocessResult:
        """Analyses the message (cached, else batched) while the moderator (if any) is asked."""
        started = time.perf_counter()
        cached = self._cache.get(analysis_key(text, context))
        if cached is None:
            analysis = self._batcher().submit((text, context))
        else:
            analysis = asyncio.get_running_loop().create_future()
            analysis.set_result(cached)
        try:
            verdict, error = await self._moderate(text)
            topic, mate, difficulty = await analysis
        finally:
            # Left early (cancelled, or moderation raised): drop the message from its batch, or
            # mark a finished batch's error as seen so asyncio does not log it as lost.
            if not analysis.cancel() and not analysis.cancelled():
                analysis.exception()
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        return PreprocessResult(topic, mate, difficulty, verdict, error, elapsed)

    def stats(self) -> PreprocessStats:
        """Counters for tests and benchmarks; batch sizes are those of the calling loop."""
        try:
            batcher = self._batchers.get(asyncio.get_running_loop())
        except RuntimeError:
            batcher = None
        with self._lock:
            analysed = self._analysed
        return PreprocessStats(
            analysed=analysed,
            cache_hits=self._cache.hits,
            cache_entries=len(self._cache),
            batch_sizes=tuple(batcher.batch_sizes) if batcher is not None else (),
            child_calls=self._child.calls if self._child is not None else 0,
        )

    def clear_cache(self) -> None:
        """Forgets cached analyses (e.g. before a benchmark round)."""
        self._cache.clear()

    def _batcher(self) -> MicroBatcher[Item, Analysis]:
        loop = asyncio.get_running_loop()
        with self._lock:
            batcher = self._batchers.get(loop)
            if batcher is None:
                batcher = MicroBatcher(self._analyse_batch, self._max_batch)
                self._batchers[loop] = batcher
        return batcher

    async def _analyse_batch(self, items: Sequence[Item]) -> list[Analysis]:
        # On the event loop, only dictionary work: identical messages queued together are
        # analysed once, and ones analysed since they were queued come from the cache.
        keys = [analysis_key(text, context) for text, context in items]
        found: dict[AnalysisKey, Analysis] = {}
        todo: dict[AnalysisKey, Item] = {}
        for key, item in zip(keys, items, strict=True):
            if key not in found and key not in todo:
                cached = self._cache.get(key)
                if cached is not None:
                    found[key] = cached
                else:
                    todo[key] = item
        if todo:
            analysed = await self._run_model(list(todo.values()))
            for key, analysis in zip(todo, analysed, strict=True):
                self._cache.put(key, analysis)
                found[key] = analysis
            with self._lock:
                self._analysed += len(todo)
        return [found[key] for key in keys]

    async def _run_model(self, items: list[Item]) -> list[Analysis]:
        if self._child is not None:
            return await self._child.analyse_many(items)
        return await asyncio.to_thread(self._analyser.analyse_many, items)

    async def _moderate(self, text: str) -> tuple[ModerationVerdict | None, str | None]:
        if self._moderator is None:
            return None, None
        try:
            return await self._moderator.moderate(text), None
        except ModerationUnavailable as error:
            return None, str(error)


_installed: Preprocessor | None = None
_fallback: Preprocessor | None = None  # kept apart, so "none installed" stays visible
_default_lock = threading.Lock()


def install_preprocessor(preprocessor: Preprocessor | None) -> None:
    """Sets the process's preprocessor (e.g. one with a moderator from the app's settings)."""
    global _installed
    with _default_lock:
        _installed = preprocessor


def installed_preprocessor() -> Preprocessor | None:
    """The preprocessor installed with `install_preprocessor`, if any."""
    with _default_lock:
        return _installed


def default_preprocessor() -> Preprocessor:
    """The process's preprocessor: the installed one, else the packaged config, no moderator."""
    global _fallback
    with _default_lock:
        if _installed is not None:
            return _installed
        if _fallback is None:
            _fallback = Preprocessor()
        return _fallback


async def preprocess(text: str, context: object = None) -> PreprocessResult:
    """Preprocesses a message with the process's preprocessor."""
    # The reply stream passes its own reply context, whose mate is already chosen; only a
    # PreprocessContext carries the user's other mates to suggest from.
    found = context if isinstance(context, PreprocessContext) else PreprocessContext()
    return await default_preprocessor().preprocess(text, found)
