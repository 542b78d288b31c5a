"""Per-message preprocessing latency on this machine (printed, not asserted)."""

from __future__ import annotations

import statistics
import time

import pytest

from subgraphs.ai.preprocessing import PreprocessContext, Preprocessor
from subgraphs.ai.preprocessing.encoder import shared_encoder

MESSAGES = [
    "hi!",
    "How do I fix a KeyError when I read a missing key from a Python dict?",
    "Find recent peer-reviewed studies on intermittent fasting and summarise them with citations.",
    "Design a multi-region, strongly consistent key-value store and explain the trade-offs "
    "between Raft and Paxos for it, with the expected write latency under a partition.",
]


@pytest.mark.benchmark
def test_preprocessing_latency_per_message(preprocessor: Preprocessor) -> None:
    encoder = shared_encoder()
    rounds = 25
    embed_ms: list[float] = []
    analyse_ms: list[float] = []
    for _ in range(rounds):
        for text in MESSAGES:
            started = time.perf_counter()
            encoder.encode_one(text)
            embed_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            preprocessor.analyse(text, PreprocessContext())
            analyse_ms.append((time.perf_counter() - started) * 1000)
    for name, values in (("embed", embed_ms), ("analyse", analyse_ms)):
        ordered = sorted(values)
        print(
            f"\npreprocessing {name}: n={len(values)} p50={statistics.median(values):.2f} ms "
            f"p99={ordered[int(len(ordered) * 0.99) - 1]:.2f} ms max={ordered[-1]:.2f} ms"
        )
