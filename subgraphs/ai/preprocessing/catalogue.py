"""Labelled vectors (topics, mates) and the nearest label to a message by cosine similarity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from subgraphs.ai.preprocessing.encoder import SentenceEncoder, Vector


@dataclass(frozen=True, slots=True)
class Match:
    """The nearest label and its cosine similarity to the message (-1 to 1)."""

    id: str
    score: float

    def __str__(self) -> str:
        # Where a plain label is wanted (an event's `topic: String`), the label is the id.
        return self.id


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Labels and one unit vector per label, rows in label order."""

    ids: tuple[str, ...]
    vectors: npt.NDArray[np.float32]

    @classmethod
    def embed(
        cls, encoder: SentenceEncoder, entries: Sequence[tuple[str, Sequence[str]]]
    ) -> Catalogue:
        """Each label's vector is the normalised mean of its texts' embeddings (one batch)."""
        texts = [text for _, group in entries for text in group]
        embedded = encoder.encode(texts) if texts else np.zeros((0, encoder.dimension))
        rows: list[Vector] = []
        start = 0
        for _, group in entries:
            mean = embedded[start : start + len(group)].mean(axis=0)
            rows.append((mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32))
            start += len(group)
        vectors = np.stack(rows) if rows else np.zeros((0, encoder.dimension), np.float32)
        return cls(tuple(label for label, _ in entries), vectors)

    def scores(self, vector: Vector) -> npt.NDArray[np.float32]:
        """Cosine similarity of the vector to every label, in label order."""
        return self.vectors @ vector

    def nearest(self, vector: Vector) -> Match | None:
        """The most similar label; ties go to the earlier label, so results are stable."""
        if not self.ids:
            return None
        scores = self.scores(vector)
        best = int(np.argmax(scores))
        return Match(self.ids[best], round(float(scores[best]), 4))

    def joined(self, other: Catalogue) -> Catalogue:
        """This catalogue followed by another one's labels."""
        return Catalogue(self.ids + other.ids, np.concatenate([self.vectors, other.vectors]))
