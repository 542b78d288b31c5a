"""Messages and a comparison the preprocessing tests share."""

from __future__ import annotations

import pytest

from subgraphs.ai.preprocessing import MateProfile, PreprocessContext, PreprocessResult
from subgraphs.ai.preprocessing.analysis import Analysis

NO_MATES = PreprocessContext()
CHEF = MateProfile("u-chef", "Remy", "A chef who suggests recipes and cooking techniques.")
GARDENER = MateProfile("u-garden", "Rose", "A gardener who knows about soil and pruning roses.")
COOKING = "What can I cook for dinner with leftover rice, eggs and spinach? Give me a recipe."
LONG = (
    "Design a multi-region, strongly consistent key-value store. Explain why you chose your "
    "consensus protocol, compare Raft and Paxos for this use case, analyse the latency "
    "trade-offs and derive the expected write latency under a network partition. "
) * 4
CALLS = [
    ("hi!", NO_MATES),
    (COOKING, PreprocessContext((CHEF,))),
    (LONG, PreprocessContext((GARDENER,))),
    (COOKING, NO_MATES),
    ("My roses have black spots on their leaves; should I prune them now?", NO_MATES),
    (
        "My roses have black spots on their leaves; should I prune them now?",
        PreprocessContext((GARDENER, CHEF)),
    ),
    ("ok", PreprocessContext((CHEF,))),
    ("How do I fix a KeyError when I read a missing key from a Python dict?", NO_MATES),
]


def assert_same_analysis(result: PreprocessResult, expected: Analysis) -> None:
    """Equal ids and levels; scores equal up to float noise in their fourth decimal."""
    topic, mate, difficulty = expected
    assert result.topic.id == topic.id
    assert result.topic.score == pytest.approx(topic.score, abs=2e-4)
    assert (result.mate is None) == (mate is None)
    if result.mate is not None and mate is not None:
        assert result.mate.id == mate.id
        assert result.mate.score == pytest.approx(mate.score, abs=2e-4)
    assert result.difficulty.level == difficulty.level
    for term in ("score", "length", "structure", "code", "embedding"):
        assert getattr(result.difficulty, term) == pytest.approx(
            getattr(difficulty, term), abs=2e-4
        )
