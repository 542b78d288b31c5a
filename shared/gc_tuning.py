"""Keep the garbage collector's full passes short in a long-running server.

A full collection in CPython 3.11 to 3.13 walks every tracked object of the oldest
generation while holding the GIL, and no stream moves meanwhile. With 1,000 replies
streaming that was 100 to 400 ms at a time (tests/benchmarks/ai). Two measures keep the
walk to what is new:

- `freeze_startup_objects`: what the server built at start (schemas, plans, compiled shapes,
  modules) lives as long as the process, so it is moved to the permanent generation.
- `SurvivorFreezer`: after each full collection, its survivors are frozen too, so the next
  full pass walks only what grew old since. A frozen object that dies is still freed by
  reference counting; only one that dies inside a reference cycle waits for the next
  reclaim. Every `reclaim_seconds`, when the frozen set has grown by more than a quarter
  since the last reclaim, it is unfrozen and collected in one full pass: as long as
  CPython's usual full pass, but minutes apart instead of seconds.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from typing import Any

THRESHOLDS = (700, 3, 10)  # CPython's (700, 10, 10), with middle passes 3x as often
RECLAIM_SECONDS = 600.0
RECLAIM_GROWTH = 1.25
_OLDEST = 2  # CPython's generations: 0, 1 and 2


def freeze_startup_objects() -> int:
    """Collect, then move every object alive now to the collector's permanent generation.

    Returns how many objects are frozen.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


class SurvivorFreezer:
    """Freezes the survivors of every full collection; reclaims frozen cycles now and then."""

    def __init__(
        self,
        reclaim_seconds: float = RECLAIM_SECONDS,
        growth: float = RECLAIM_GROWTH,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reclaim_seconds = reclaim_seconds
        self.growth = growth
        self._clock = clock
        self._last_reclaim = clock()
        self._reclaimed_size = gc.get_freeze_count()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def install(self, reclaim_in_background: bool = True) -> None:
        """Freeze after each full collection from now on (and check for a reclaim each minute)."""
        gc.callbacks.append(self._after_collection)
        if reclaim_in_background:
            self._thread = threading.Thread(
                target=self._reclaim_loop, name="gc-reclaim", daemon=True
            )
            self._thread.start()

    def uninstall(self) -> None:
        """Stop freezing and stop the reclaim thread (frozen objects stay frozen)."""
        self._stop.set()
        if self._after_collection in gc.callbacks:
            gc.callbacks.remove(self._after_collection)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def reclaim_if_due(self) -> bool:
        """Unfreeze and collect once when it is time and the frozen set grew; True if it did."""
        if self._clock() - self._last_reclaim < self.reclaim_seconds:
            return False
        self._last_reclaim = self._clock()
        if gc.get_freeze_count() <= self._reclaimed_size * self.growth:
            return False
        gc.unfreeze()
        gc.collect()  # its survivors are frozen again by _after_collection
        self._reclaimed_size = gc.get_freeze_count()
        return True

    def _after_collection(self, phase: str, info: dict[str, Any]) -> None:
        # At the end of a full pass the young generations are empty and the oldest holds only
        # what the pass found reachable: freezing it all freezes no garbage.
        if phase == "stop" and info["generation"] == _OLDEST:
            gc.freeze()

    def _reclaim_loop(self) -> None:
        while not self._stop.wait(min(60.0, self.reclaim_seconds)):
            self.reclaim_if_due()


def tune_collector(reclaim_seconds: float = RECLAIM_SECONDS) -> SurvivorFreezer:
    """For a server, once started: freeze what exists, then the survivors of full passes;
    shorter middle-generation passes."""
    gc.set_threshold(*THRESHOLDS)
    freeze_startup_objects()
    freezer = SurvivorFreezer(reclaim_seconds)
    freezer.install()
    return freezer
