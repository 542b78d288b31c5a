"""gc_tuning: objects made at start, then survivors of full passes, leave the full passes."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from shared.gc_tuning import SurvivorFreezer, freeze_startup_objects, tune_collector


class Node:
    """A weak-referenceable object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    """Each test starts and ends with nothing frozen."""
    gc.unfreeze()
    yield
    gc.unfreeze()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_objects_alive_at_start_are_frozen_and_later_ones_are_not() -> None:
    built_at_start = [{"plan": index} for index in range(1000)]
    frozen = freeze_startup_objects()
    assert frozen >= len(built_at_start) == 1000
    # Frozen objects are in no generation, so a full pass does not walk them.
    assert all(found is not built_at_start for found in gc.get_objects(2))
    made_later: list[list[int]] = [[] for _ in range(10)]
    assert gc.get_freeze_count() == frozen  # new objects are collected as before
    assert any(found is made_later for found in gc.get_objects(0))


def test_survivors_of_a_full_pass_are_frozen_and_younger_passes_change_nothing() -> None:
    freezer = SurvivorFreezer()
    freezer.install(reclaim_in_background=False)
    try:
        gc.collect(1)
        assert gc.get_freeze_count() == 0
        survivor = [{"stream": index} for index in range(100)]
        gc.collect()
        assert gc.get_freeze_count() > len(survivor)
        assert all(found is not survivor for found in gc.get_objects(2))
    finally:
        freezer.uninstall()


def test_a_frozen_object_that_dies_is_freed_at_once_unless_in_a_cycle() -> None:
    freezer = SurvivorFreezer()
    freezer.install(reclaim_in_background=False)
    try:
        plain, looped = Node(), Node()
        looped.other = looped
        plain_ref, looped_ref = weakref.ref(plain), weakref.ref(looped)
        gc.collect()  # both survive and are frozen
        del plain, looped
        gc.collect()
    finally:
        freezer.uninstall()
    assert plain_ref() is None  # reference counting frees frozen objects too
    assert looped_ref() is not None  # a frozen cycle waits for the reclaim


def test_reclaim_collects_frozen_cycles_when_due_and_grown() -> None:
    clock = Clock()
    freezer = SurvivorFreezer(reclaim_seconds=600, clock=clock)
    freezer.install(reclaim_in_background=False)
    try:
        looped = Node()
        looped.other = looped
        looped_ref = weakref.ref(looped)
        kept = [[index] for index in range(5000)]  # the frozen set grows past a quarter
        gc.collect()
        del looped
        clock.now = 599
        assert not freezer.reclaim_if_due()  # not yet time
        assert looped_ref() is not None
        clock.now = 600
        assert freezer.reclaim_if_due()
        assert looped_ref() is None
        assert all(found is not kept for found in gc.get_objects(2))  # frozen again
        clock.now = 1200
        assert not freezer.reclaim_if_due()  # time, but the frozen set did not grow
    finally:
        freezer.uninstall()


def test_a_tuned_server_passes_its_middle_generation_every_three_young_passes() -> None:
    before = gc.get_threshold()
    freezer = tune_collector()
    try:
        young, middle, old = gc.get_threshold()
        assert (young, middle, old) == (700, 3, 10)
        assert gc.get_freeze_count() > 0  # and what existed at start is frozen
    finally:
        freezer.uninstall()
        gc.set_threshold(*before)
