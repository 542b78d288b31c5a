"""preprocess() under concurrency: shared batches and the cache give the unbatched results."""

from __future__ import annotations

import asyncio

import pytest

from subgraphs.ai.preprocessing import (
    MateProfile,
    PreprocessContext,
    Preprocessor,
    PreprocessResult,
)
from tests.subgraphs.ai.preprocessing.support import (
    CALLS,
    CHEF,
    COOKING,
    GARDENER,
    NO_MATES,
    assert_same_analysis,
)


@pytest.fixture
def fresh(preprocessor: Preprocessor) -> Preprocessor:
    """A preprocessor with an empty cache and no batches run yet (models loaded)."""
    loaded = Preprocessor()
    loaded.warm_up()
    return loaded


async def test_concurrent_calls_share_a_batch_and_get_their_unbatched_results(
    fresh: Preprocessor,
) -> None:
    results = await asyncio.gather(*(fresh.preprocess(text, ctx) for text, ctx in CALLS))
    assert fresh.stats().batch_sizes == (len(CALLS),)
    for result, (text, context) in zip(results, CALLS, strict=True):
        assert_same_analysis(result, fresh.analyse(text, context))


async def test_each_caller_in_a_batch_gets_its_own_mates_suggested(fresh: Preprocessor) -> None:
    results = await asyncio.gather(*(fresh.preprocess(text, ctx) for text, ctx in CALLS))
    cooking_with_chef, cooking_alone = results[1], results[3]
    assert cooking_with_chef.mate is not None and cooking_with_chef.mate.id == "u-chef"
    assert cooking_alone.mate is not None and cooking_alone.mate.id.startswith("builtin-")
    roses_alone, roses_with_gardener = results[4], results[5]
    assert roses_with_gardener.mate is not None and roses_with_gardener.mate.id == "u-garden"
    assert roses_alone.mate is not None and roses_alone.mate.id.startswith("builtin-")


async def test_a_batch_of_many_lengths_matches_one_by_one_analysis(fresh: Preprocessor) -> None:
    texts = [("word " * n).strip() + "?" for n in (1, 3, 9, 27, 81, 243, 400)]
    texts += ["Why is the sky blue?", "Explain TCP congestion control. " * 5]
    results = await asyncio.gather(*(fresh.preprocess(text, NO_MATES) for text in texts))
    assert fresh.stats().batch_sizes == (len(texts),)
    for result, text in zip(results, texts, strict=True):
        assert_same_analysis(result, fresh.analyse(text, NO_MATES))


async def test_a_repeated_message_is_served_from_the_cache(fresh: Preprocessor) -> None:
    first = await fresh.preprocess(COOKING, PreprocessContext((CHEF,)))
    before = fresh.stats()
    again = await fresh.preprocess(COOKING, PreprocessContext((CHEF,)))
    after = fresh.stats()
    assert again == first
    assert after.analysed == before.analysed == 1
    assert after.batch_sizes == before.batch_sizes == (1,)
    assert after.cache_hits == before.cache_hits + 1


async def test_the_cache_tells_apart_the_same_text_with_other_mates(fresh: Preprocessor) -> None:
    with_chef = await fresh.preprocess(COOKING, PreprocessContext((CHEF,)))
    edited = MateProfile(CHEF.id, CHEF.name, GARDENER.description)
    with_edited = await fresh.preprocess(COOKING, PreprocessContext((edited,)))
    assert with_chef.mate is not None and with_chef.mate.id == "u-chef"
    assert with_edited.mate is not None and with_edited.mate.id != "u-chef"
    assert fresh.stats().analysed == 2


async def test_identical_messages_sent_together_are_analysed_once(fresh: Preprocessor) -> None:
    results = await asyncio.gather(
        *(fresh.preprocess("Who wrote Hamlet?", NO_MATES) for _ in range(6))
    )
    assert all(result == results[0] for result in results)
    assert fresh.stats().analysed == 1


async def test_the_cache_is_bounded() -> None:
    small = Preprocessor(cache_size=2)
    for text in ("one", "two", "three"):
        await small.preprocess(text, NO_MATES)
    await small.preprocess("one", NO_MATES)
    stats = small.stats()
    assert stats.cache_entries == 2
    assert stats.analysed == 4  # "one" was evicted by "three" and analysed again


async def test_a_cleared_cache_analyses_the_message_again(fresh: Preprocessor) -> None:
    first = await fresh.preprocess("Who wrote Hamlet?", NO_MATES)
    fresh.clear_cache()
    again = await fresh.preprocess("Who wrote Hamlet?", NO_MATES)
    assert fresh.stats().analysed == 2 and fresh.stats().cache_entries == 1
    assert_same_analysis(again, (first.topic, first.mate, first.difficulty))


async def test_an_error_in_a_batch_reaches_every_caller_in_it(fresh: Preprocessor) -> None:
    calls = [fresh.preprocess("fine", NO_MATES), fresh.preprocess(12345, NO_MATES)]  # type: ignore[arg-type]
    calls.append(fresh.preprocess("also fine", NO_MATES))
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(outcome, TypeError) for outcome in outcomes), outcomes
    assert (await fresh.preprocess("fine", NO_MATES)).topic.id  # later batches still work


async def test_a_cancelled_caller_does_not_break_the_others_in_its_batch(
    fresh: Preprocessor,
) -> None:
    tasks = [asyncio.create_task(fresh.preprocess(text, ctx)) for text, ctx in CALLS[:4]]
    for _ in range(100):  # until the batch with every call has started in its worker thread
        if fresh.stats().batch_sizes:
            break
        await asyncio.sleep(0)
    assert fresh.stats().batch_sizes == (4,)
    tasks[1].cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(outcomes[1], asyncio.CancelledError)
    for outcome, (text, context) in zip(outcomes, CALLS[:4], strict=True):
        if outcome is not outcomes[1]:
            assert isinstance(outcome, PreprocessResult)
            assert_same_analysis(outcome, fresh.analyse(text, context))


async def test_one_preprocessor_serves_two_event_loops(fresh: Preprocessor) -> None:
    other_loop = asyncio.to_thread(
        asyncio.run, fresh.preprocess(COOKING, PreprocessContext((CHEF,)))
    )
    here, there = await asyncio.gather(fresh.preprocess("Who wrote Hamlet?", NO_MATES), other_loop)
    assert there.mate is not None and there.mate.id == "u-chef"
    assert here.topic.id == (await fresh.preprocess("Who wrote Hamlet?", NO_MATES)).topic.id
