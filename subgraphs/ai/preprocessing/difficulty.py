"""A small transparent difficulty model: length, question structure, code and exemplars.

score = w_length * length + w_structure * structure + w_code * code + w_embedding * embedding,
every term in [0, 1] and the weights summing to 1 (preprocessing.yml), so the score is in
[0, 1]; below `medium_from` the message is easy, from `hard_from` on it is hard.

- length: words / words_for_full_length, capped at 1.
- structure: a third each for more than one question (question marks or numbered/bulleted
  parts), for any configured marker ("prove", "compare", "step by step", ...) and for two or
  more distinct markers.
- code: 1 with a fenced block or three code-looking lines, 0.5 with one or two, else 0.
- embedding: (max similarity to the hard exemplars - max similarity to the easy ones), mapped
  from [-0.5, 0.5] to [0, 1]: semantic closeness to what is plainly hard or easy.
It uses no randomness: the same text and configuration always give the same estimate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from subgraphs.ai.preprocessing.config import DifficultyConfig
from subgraphs.ai.preprocessing.encoder import SentenceEncoder, Vector

Level = Literal["easy", "medium", "hard"]

_WORD = re.compile(r"\w+")
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+\S", re.MULTILINE)
_FENCE = re.compile(r"```")
# Lines a person rarely writes in prose: calls, assignments, braces, keywords, tracebacks.
_CODE_LINE = re.compile(
    r"^\s*(?:def |class |import |from \S+ import|return\b|function\b|const |let |var |#include"
    r"|public |if \(|for \(|while \(|Traceback|\S+\s*=[^=]|\S+\(.*\)\s*[;{:]?\s*$|[{}]\s*$)",
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class DifficultyEstimate:
    """The level, the score it came from and each term, so the estimate can be explained."""

    level: Level
    score: float
    length: float
    structure: float
    code: float
    embedding: float


def _structure(text: str, markers: tuple[str, ...]) -> float:
    lowered = text.lower()
    questions = text.count("?") + len(_LIST_ITEM.findall(text))
    found = {marker for marker in markers if marker in lowered}
    return (int(questions > 1) + int(len(found) >= 1) + int(len(found) >= 2)) / 3


def _code(text: str) -> float:
    if _FENCE.search(text):
        return 1.0
    lines = len(_CODE_LINE.findall(text))
    return 1.0 if lines >= 3 else 0.5 if lines >= 1 else 0.0


class DifficultyModel:
    """Scores messages with the configured weights; exemplars are embedded once."""

    def __init__(self, config: DifficultyConfig, encoder: SentenceEncoder) -> None:
        self._config = config
        self._easy = encoder.encode(list(config.exemplars.easy))
        self._hard = encoder.encode(list(config.exemplars.hard))

    def estimate(self, text: str, vector: Vector) -> DifficultyEstimate:
        """The difficulty of a message given its text and its embedding."""
        config = self._config
        weights = config.weights
        length = min(len(_WORD.findall(text)) / config.words_for_full_length, 1.0)
        structure = _structure(text, config.structure_markers)
        code = _code(text)
        gap = float(np.max(self._hard @ vector) - np.max(self._easy @ vector))
        embedding = min(max(gap + 0.5, 0.0), 1.0)
        score = (
            weights.length * length
            + weights.structure * structure
            + weights.code * code
            + weights.embedding * embedding
        )
        level: Level = (
            "hard"
            if score >= config.hard_from
            else "medium"
            if score >= config.medium_from
            else "easy"
        )
        return DifficultyEstimate(
            level=level,
            score=round(score, 4),
            length=round(length, 4),
            structure=round(structure, 4),
            code=code,
            embedding=round(embedding, 4),
        )
