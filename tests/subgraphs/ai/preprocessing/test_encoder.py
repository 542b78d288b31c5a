"""The NumPy all-MiniLM-L6-v2 against sentence-transformers' own vectors, offline."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from subgraphs.ai.preprocessing import encoder as encoder_module
from subgraphs.ai.preprocessing.encoder import shared_encoder

REFERENCE = Path(__file__).with_name("reference_embeddings.json")
ROOT = Path(__file__).resolve().parents[4]


def test_embeddings_match_sentence_transformers_reference_vectors() -> None:
    reference = json.loads(REFERENCE.read_text())
    expected = np.array(reference["vectors"], dtype=np.float32)
    batched = shared_encoder().encode(reference["texts"])
    one_by_one = np.stack([shared_encoder().encode_one(text) for text in reference["texts"]])
    assert batched.shape == (len(reference["texts"]), 384)
    np.testing.assert_allclose(batched, expected, atol=2e-5)
    np.testing.assert_allclose(one_by_one, expected, atol=2e-5)


def test_embeddings_are_unit_length_and_similar_texts_are_closer() -> None:
    vectors = shared_encoder().encode(
        ["My Python script raises a KeyError", "A dict lookup fails with KeyError", "I love hiking"]
    )
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_long_texts_are_truncated_to_the_models_window() -> None:
    encoder = shared_encoder()
    long_text = "word " * 2000
    assert encoder.encode_one(long_text).shape == (384,)
    np.testing.assert_allclose(
        encoder.encode_one(long_text), encoder.encode_one("word " * 600), atol=1e-6
    )


MIXED_LENGTHS = [
    "hi",
    "How do I fix a KeyError when I read a missing key from a Python dict?",
    "Design a multi-region, strongly consistent key-value store. " * 12,
    "ok",
    "Summarise the causes of the French Revolution in three bullet points, with dates.",
    "word " * 600,  # truncated to the model's 256-token window
]


def test_padding_a_row_to_a_longer_ones_length_does_not_change_its_embedding() -> None:
    encoder = shared_encoder()
    lengths = [encoder.token_count(text) for text in MIXED_LENGTHS]
    assert min(lengths) <= 4 and max(lengths) == encoder.max_tokens
    padded = encoder.encode_padded(MIXED_LENGTHS)
    alone = np.stack([encoder.encode_padded([text])[0] for text in MIXED_LENGTHS])
    np.testing.assert_allclose(padded, alone, atol=1e-5)


def test_a_batch_grouped_by_length_gives_each_text_its_own_embedding_in_order() -> None:
    encoder = shared_encoder()
    texts = MIXED_LENGTHS + list(reversed(MIXED_LENGTHS))
    batched = encoder.encode(texts)
    np.testing.assert_allclose(
        batched, np.stack([encoder.encode_one(text) for text in texts]), atol=1e-5
    )
    np.testing.assert_allclose(
        batched[: len(MIXED_LENGTHS)], batched[len(MIXED_LENGTHS) :][::-1], atol=1e-5
    )


def test_no_texts_give_an_empty_batch() -> None:
    assert shared_encoder().encode([]).shape == (0, 384)
    assert shared_encoder().encode_padded([]).shape == (0, 384)


def test_shared_encoder_is_loaded_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoder_module, "_shared", None)
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(shared_encoder())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(seen) == 4 and all(item is seen[0] for item in seen)


OFFLINE_SCRIPT = """
import socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(args)
    raise OSError("network disabled in this test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.getaddrinfo = refuse
socket.create_connection = refuse
from subgraphs.ai.preprocessing import PreprocessContext, Preprocessor
result = Preprocessor().analyse("How do I fix a KeyError in Python?", PreprocessContext())
print(result[0].id, len(attempts))
"""


def test_model_loads_and_runs_with_every_network_call_refused() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT],
        cwd=ROOT,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["coding", "0"]
