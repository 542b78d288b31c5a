"""For tests that count what a piece of code leaves in reference cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_off() -> Iterator[None]:
    """Collect what exists, then keep the cyclic collector off inside the block: what the
    block leaves in a cycle stays on the heap, countable, until the block ends."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
