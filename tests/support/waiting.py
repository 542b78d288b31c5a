"""Waiting, bounded, for what another task, thread or process does."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]], seconds: float = 5.0, every: float = 0.02
) -> None:
    """Returns once `condition()` (plain or async) holds; AssertionError after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the condition was not met within {seconds:g} s")
        await asyncio.sleep(every)
