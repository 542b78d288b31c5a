"""The preprocessing configuration (preprocessing.yml): topics and the difficulty model."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

PREPROCESSING_FILE = Path(__file__).with_name("preprocessing.yml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Topic(_Strict):
    """A topic messages are routed to; its description and examples define its vector."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    description: str = Field(min_length=1)
    examples: tuple[str, ...] = ()

    def texts(self) -> tuple[str, ...]:
        """The texts whose mean embedding stands for this topic."""
        return (self.description, *self.examples)


class DifficultyWeights(_Strict):
    """How much each term counts; they sum to 1 so the score stays in [0, 1]."""

    length: float = Field(ge=0)
    structure: float = Field(ge=0)
    code: float = Field(ge=0)
    embedding: float = Field(ge=0)

    @model_validator(mode="after")
    def _sum_to_one(self) -> Self:
        total = self.length + self.structure + self.code + self.embedding
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"difficulty weights must sum to 1, not {total:g}")
        return self


class DifficultyExemplars(_Strict):
    """Messages that are plainly easy and plainly hard; a message is compared with both."""

    easy: tuple[str, ...] = Field(min_length=1)
    hard: tuple[str, ...] = Field(min_length=1)


class DifficultyConfig(_Strict):
    """The transparent difficulty model: weights, scales, thresholds, markers, exemplars."""

    weights: DifficultyWeights
    words_for_full_length: int = Field(gt=0)
    medium_from: float = Field(gt=0, lt=1)
    hard_from: float = Field(gt=0, lt=1)
    structure_markers: tuple[str, ...] = ()
    exemplars: DifficultyExemplars

    @model_validator(mode="after")
    def _ordered_thresholds(self) -> Self:
        if self.medium_from >= self.hard_from:
            raise ValueError("difficulty: medium_from must be below hard_from")
        return self


class PreprocessingConfig(_Strict):
    """The whole preprocessing.yml."""

    topics: tuple[Topic, ...] = Field(min_length=1)
    difficulty: DifficultyConfig

    @model_validator(mode="after")
    def _unique_topics(self) -> Self:
        ids = [topic.id for topic in self.topics]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate topic ids in {ids}")
        return self


def load_preprocessing_config(path: Path = PREPROCESSING_FILE) -> PreprocessingConfig:
    """Reads and validates a preprocessing YAML file."""
    return PreprocessingConfig.model_validate(yaml.safe_load(path.read_text()))


@cache
def default_preprocessing_config() -> PreprocessingConfig:
    """The packaged preprocessing.yml (read once)."""
    return load_preprocessing_config()
