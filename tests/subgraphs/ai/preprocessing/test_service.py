"""Topic and mate routing and difficulty with real model inference."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest

from subgraphs.ai.preprocessing import (
    MateProfile,
    PreprocessContext,
    Preprocessor,
    default_preprocessor,
    install_preprocessor,
    preprocess,
)

NO_MATES = PreprocessContext()


@pytest.mark.parametrize(
    "text",
    [
        "How do I fix a KeyError when I read a missing key from a Python dict?",
        "Why does my React component render twice, and how do I write a test for it?",
    ],
)
def test_coding_question_goes_to_coding_and_finn(preprocessor: Preprocessor, text: str) -> None:
    topic, mate, _ = preprocessor.analyse(text, NO_MATES)
    assert topic.id == "coding"
    assert mate is not None and mate.id == "builtin-finn"


@pytest.mark.parametrize(
    "text",
    [
        "Find peer-reviewed studies on intermittent fasting and summarise them, with citations.",
        "What does the literature say about microplastics in drinking water? Please cite sources.",
    ],
)
def test_research_question_goes_to_research_and_ada(preprocessor: Preprocessor, text: str) -> None:
    topic, mate, _ = preprocessor.analyse(text, NO_MATES)
    assert topic.id == "research"
    assert mate is not None and mate.id == "builtin-ada"


def test_greeting_is_smalltalk_for_the_general_assistant(preprocessor: Preprocessor) -> None:
    topic, mate, _ = preprocessor.analyse("Hi there, how are you today?", NO_MATES)
    assert topic.id == "smalltalk"
    assert mate is not None and mate.id == "builtin-sophia"


def test_a_users_own_mate_is_suggested_when_it_fits_best(preprocessor: Preprocessor) -> None:
    chef = MateProfile("u-42", "Chef Remy", "A chef who suggests recipes and cooking techniques.")
    context = PreprocessContext(user_mates=(chef,))
    text = "What can I cook for dinner with leftover rice, eggs and spinach? Give me a recipe."
    _, mate, _ = preprocessor.analyse(text, context)
    assert mate is not None and mate.id == "u-42"
    _, coding_mate, _ = preprocessor.analyse("My Rust program panics on unwrap()", context)
    assert coding_mate is not None and coding_mate.id == "builtin-finn"


# None of these is one of the configured exemplars, so the test is not circular.
EASY = ["good night!", "How many days are in a week?", "Who wrote Hamlet?"]
MEDIUM = [
    "Explain how TCP congestion control works and compare Reno with CUBIC.",
    "My code crashes:\n```python\ndef first(items):\n    return items[0]\n```\nWhy?",
]
HARD = [
    "Design a multi-region, strongly consistent key-value store. Explain why you chose your "
    "consensus protocol, compare Raft and Paxos for this use case, analyse the latency "
    "trade-offs and derive the expected write latency under a network partition.",
    "Prove that there are infinitely many primes, then derive the asymptotic density using the "
    "prime number theorem, explain why the error term depends on the Riemann hypothesis, and "
    "compare the elementary and analytic proofs step by step.",
]


def test_difficulty_levels_follow_the_examples(preprocessor: Preprocessor) -> None:
    levels = {text: preprocessor.analyse(text, NO_MATES)[2].level for text in EASY + MEDIUM + HARD}
    assert [levels[t] for t in EASY] == ["easy"] * len(EASY)
    assert [levels[t] for t in MEDIUM] == ["medium"] * len(MEDIUM)
    assert [levels[t] for t in HARD] == ["hard"] * len(HARD)


def test_difficulty_scores_rise_from_easy_to_hard(preprocessor: Preprocessor) -> None:
    def score(text: str) -> float:
        return preprocessor.analyse(text, NO_MATES)[2].score

    assert max(map(score, EASY)) < min(map(score, MEDIUM))
    assert max(map(score, MEDIUM)) < min(map(score, HARD))


def test_code_in_a_message_is_counted(preprocessor: Preprocessor) -> None:
    difficulty = preprocessor.analyse(MEDIUM[1], NO_MATES)[2]
    assert difficulty.code == 1.0
    assert preprocessor.analyse("Who wrote Hamlet?", NO_MATES)[2].code == 0.0


def test_the_same_message_gets_the_same_result(preprocessor: Preprocessor) -> None:
    first = preprocessor.analyse(HARD[0], NO_MATES)
    assert all(preprocessor.analyse(HARD[0], NO_MATES) == first for _ in range(3))


async def test_preprocess_without_a_moderator_gives_an_event_payload(
    preprocessor: Preprocessor,
) -> None:
    result = await preprocessor.preprocess("Tell me a joke about cats", NO_MATES)
    assert result.moderation is None and result.moderation_error is None
    assert not result.flagged
    event = orjson.loads(orjson.dumps(result.as_event()))
    assert event["topic"]["id"] == result.topic.id
    assert event["difficulty"]["level"] in {"easy", "medium", "hard"}
    assert set(event) == {
        "topic",
        "mate",
        "difficulty",
        "moderation",
        "moderation_error",
        "elapsed_ms",
    }


def test_concurrent_calls_from_threads_agree_with_sequential_ones(
    preprocessor: Preprocessor,
) -> None:
    texts = EASY + MEDIUM + HARD
    expected = [preprocessor.analyse(text, NO_MATES) for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda t: preprocessor.analyse(t, NO_MATES), texts * 3))
    assert results == expected * 3


def test_an_edited_user_mate_is_embedded_again(preprocessor: Preprocessor) -> None:
    text = "What can I cook for dinner with leftover rice, eggs and spinach? Give me a recipe."
    chef = MateProfile("u-7", "Remy", "A chef who suggests recipes and cooking techniques.")
    _, first, _ = preprocessor.analyse(text, PreprocessContext((chef,)))
    assert first is not None and first.id == "u-7"
    gardener = MateProfile("u-7", "Remy", "A gardener who knows about soil and pruning roses.")
    _, mate, _ = preprocessor.analyse(text, PreprocessContext((gardener,)))
    assert mate is not None and mate.id != "u-7"


async def test_module_level_preprocess_uses_the_installed_preprocessor(
    preprocessor: Preprocessor,
) -> None:
    install_preprocessor(preprocessor)
    try:
        assert default_preprocessor() is preprocessor
        result = await preprocess("Why does my Go program deadlock on this channel?")
        assert str(result.topic) == "coding" and result.mate is not None
        assert str(result.mate) == "builtin-finn"
        other_context = await preprocess("Why does my Go program deadlock?", object())
        assert other_context.topic.id == "coding"
    finally:
        install_preprocessor(None)
