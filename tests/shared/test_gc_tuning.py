"""freeze_startup_objects: what exists at start leaves the collector's full passes."""

from __future__ import annotations

import gc

from shared.gc_tuning import freeze_startup_objects


def test_objects_alive_at_start_are_frozen_and_later_ones_are_not() -> None:
    built_at_start = [{"plan": index} for index in range(1000)]
    try:
        frozen = freeze_startup_objects()
        assert frozen >= len(built_at_start) == 1000
        # Frozen objects are in no generation, so a full pass does not walk them.
        assert all(found is not built_at_start for found in gc.get_objects(2))
        made_later = [[] for _ in range(10)]
        assert gc.get_freeze_count() == frozen  # new objects are collected as before
        assert any(found is made_later for found in gc.get_objects(0))
    finally:
        gc.unfreeze()
