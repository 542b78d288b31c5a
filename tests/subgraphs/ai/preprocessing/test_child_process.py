"""preprocess() with the model in a child process: same results, batched, replaced when it dies."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from router.http.lifespan import AppLifespan
from subgraphs.ai.preprocessing import (
    PreprocessContext,
    Preprocessor,
    PreprocessResult,
    install_preprocessor,
    installed_preprocessor,
)
from subgraphs.ai.preprocessing.analysis_process import CHILD_NICENESS
from subgraphs.ai.runtime import AiRuntime, current_runtime, use_runtime
from subgraphs.ai.settings import AiSettings
from tests.subgraphs.ai.preprocessing.support import CALLS, LONG, NO_MATES, assert_same_analysis
from tests.support.waiting import eventually

LONG_BATCH = [f"{LONG} (variant {n})" for n in range(32)]


def alive(pid: int) -> bool:
    """Whether a process with this pid exists (a zombie not yet reaped counts as alive)."""
    return Path(f"/proc/{pid}").exists()


@pytest.fixture
async def child() -> AsyncIterator[Preprocessor]:
    """A preprocessor analysing in its own child process, model loaded; closed afterwards."""
    isolated = Preprocessor(child_process=True)
    await asyncio.to_thread(isolated.warm_up)
    yield isolated
    await isolated.aclose()


async def test_the_child_gives_the_in_thread_results(
    child: Preprocessor, preprocessor: Preprocessor
) -> None:
    results = await asyncio.gather(*(child.preprocess(text, ctx) for text, ctx in CALLS))
    for result, (text, context) in zip(results, CALLS, strict=True):
        assert_same_analysis(result, preprocessor.analyse(text, context))
    child_pid = await child.child_pid()
    assert child_pid is not None and child_pid != os.getpid()


async def test_the_child_runs_at_a_lower_cpu_priority_than_its_router(child: Preprocessor) -> None:
    pid = await child.child_pid()
    assert pid is not None
    router_niceness = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, router_niceness + CHILD_NICENESS)


async def test_concurrent_calls_reach_the_child_as_one_batch(child: Preprocessor) -> None:
    await asyncio.gather(*(child.preprocess(text, ctx) for text, ctx in CALLS))
    stats = child.stats()
    assert stats.batch_sizes == (len(CALLS),)
    assert stats.child_calls == 1
    assert stats.analysed == len(set(CALLS))


async def test_a_cache_hit_does_not_call_the_child(child: Preprocessor) -> None:
    first = await child.preprocess("Who wrote Hamlet?", NO_MATES)
    calls = child.stats().child_calls
    child.close()  # no child runs now: a call that reached for one would start it
    again = await child.preprocess("Who wrote Hamlet?", NO_MATES)
    assert again == first
    assert child.stats().child_calls == calls


async def test_an_error_in_the_child_reaches_its_batch_and_the_child_goes_on(
    child: Preprocessor,
) -> None:
    pid = await child.child_pid()
    calls = [child.preprocess("fine", NO_MATES), child.preprocess(12345, NO_MATES)]  # type: ignore[arg-type]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(outcome, TypeError) for outcome in outcomes), outcomes
    assert (await child.preprocess("fine", NO_MATES)).topic.id
    assert await child.child_pid() == pid


async def test_a_child_killed_during_a_batch_fails_that_batch_and_the_next_call_gets_a_new_child(
    child: Preprocessor,
) -> None:
    pid = await child.child_pid()
    assert pid is not None
    batch = [asyncio.create_task(child.preprocess(text, NO_MATES)) for text in LONG_BATCH]
    await eventually(lambda: child.stats().child_calls == 1, seconds=10, every=0.001)
    os.kill(pid, signal.SIGKILL)
    outcomes = await asyncio.gather(*batch, return_exceptions=True)
    assert all(isinstance(outcome, BrokenProcessPool) for outcome in outcomes), outcomes
    result = await child.preprocess("How do I fix a KeyError in Python?", NO_MATES)
    assert isinstance(result, PreprocessResult) and result.topic.id
    new_pid = await child.child_pid()
    assert new_pid is not None and new_pid != pid and alive(new_pid)
    assert not alive(pid)


async def test_a_child_killed_while_idle_is_replaced_without_failing_a_call(
    child: Preprocessor,
) -> None:
    pid = await child.child_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    await eventually(lambda: not alive(pid), seconds=10)  # reaped: the pool knows it broke
    result = await child.preprocess("Is a tomato a fruit?", NO_MATES)
    assert result.topic.id
    assert await child.child_pid() not in (None, pid)


async def test_closing_leaves_no_child_alive() -> None:
    isolated = Preprocessor(child_process=True)
    await isolated.preprocess("Who wrote Hamlet?", NO_MATES)
    pid = await isolated.child_pid()
    assert pid is not None and alive(pid)
    await isolated.aclose()
    assert not alive(pid)


async def test_in_thread_mode_has_no_child() -> None:
    assert await Preprocessor().child_pid() is None


def test_a_custom_encoder_cannot_go_to_a_child(preprocessor: Preprocessor) -> None:
    from subgraphs.ai.preprocessing.encoder import shared_encoder

    with pytest.raises(ValueError, match="encoder"):
        Preprocessor(encoder=shared_encoder(), child_process=True)


@pytest.fixture
def no_preprocessor_installed() -> Iterator[None]:
    """None installed during the test (the ai runtime installs its own only where none is);
    what an earlier test's runtime left installed is put back after."""
    earlier = installed_preprocessor()
    install_preprocessor(None)
    yield
    install_preprocessor(earlier)


@pytest.mark.usefixtures("no_preprocessor_installed")
async def test_the_ai_runtime_preprocesses_in_a_child_by_default_and_stops_it_on_close() -> None:
    runtime = AiRuntime(AiSettings())
    use_runtime(runtime)
    try:
        installed = installed_preprocessor()
        assert installed is not None
        pid = await installed.child_pid()
        assert pid is not None and alive(pid)
        assert (await installed.preprocess("Who wrote Hamlet?", PreprocessContext())).topic.id
    finally:
        use_runtime(None)
        await runtime.aclose()
    assert installed_preprocessor() is None
    assert not alive(pid)


@pytest.mark.usefixtures("no_preprocessor_installed")
async def test_the_ai_runtime_setting_keeps_preprocessing_in_a_thread() -> None:
    runtime = AiRuntime(AiSettings(preprocessing_child_process=False))
    use_runtime(runtime)
    try:
        installed = installed_preprocessor()
        assert installed is not None and await installed.child_pid() is None
    finally:
        use_runtime(None)
        await runtime.aclose()


@pytest.mark.usefixtures("no_preprocessor_installed")
async def test_the_ai_app_starts_no_child_until_a_message_and_stops_it_at_shutdown() -> None:
    from subgraphs.ai.app import app

    use_runtime(None)
    before = {process.pid for process in multiprocessing.active_children()}
    lifespan = AppLifespan("ai", app)
    await lifespan.startup()
    runtime = current_runtime()
    try:
        idle = {process.pid for process in multiprocessing.active_children()} - before
        assert idle == set()  # an idle platform holds no model
        installed = installed_preprocessor()
        assert installed is not None
        assert (await installed.preprocess("Who wrote Hamlet?", PreprocessContext())).topic.id
        pid = await installed.child_pid()
        assert pid is not None and alive(pid)
        await lifespan.shutdown()
        assert not alive(pid)
    finally:
        use_runtime(None)
        await runtime.aclose()
