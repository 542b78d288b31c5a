"""Topic, mate suggestion and difficulty of messages from their embeddings (CPU, no I/O).

The encoder, the topic and built-in mate vectors and the difficulty exemplars are loaded once
per analyser on first use (thread-safe). A batch of messages is embedded in one encoder call,
together with any of the users' mates not embedded before; each row is then scored on its own,
so a message gets the same result alone or in any batch. A mate's score blends two
similarities, half each: to the message itself and to the prototype of the message's topic;
mate descriptions are one short sentence, and the topic prototype (description plus examples)
carries the vocabulary a single message often lacks ("KeyError" says little about "a software
engineer" on its own).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from subgraphs.ai.preprocessing.catalogue import Catalogue, Match
from subgraphs.ai.preprocessing.config import PreprocessingConfig
from subgraphs.ai.preprocessing.difficulty import DifficultyEstimate, DifficultyModel
from subgraphs.ai.preprocessing.encoder import SentenceEncoder, Vector, shared_encoder
from subgraphs.mates.service import builtin_mates_by_id

Analysis = tuple[Match, Match | None, DifficultyEstimate]
MateKey = tuple[str, str]
_MAX_USER_MATE_VECTORS = 10_000


@dataclass(frozen=True, slots=True)
class MateProfile:
    """A mate the router may suggest: its id, name and description."""

    id: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class PreprocessContext:
    """What preprocessing needs beyond the text: the user's own mates."""

    user_mates: tuple[MateProfile, ...] = ()


def mate_key(mate: MateProfile) -> MateKey:
    """A mate's id and the text its vector is embedded from (its description, else its name)."""
    return mate.id, mate.description or mate.name


def builtin_mate_profiles() -> tuple[MateProfile, ...]:
    """The server's built-in mates (subgraphs/mates/builtin_mates.yml) as profiles."""
    return tuple(
        MateProfile(mate.id, mate.name, mate.description) for mate in builtin_mates_by_id().values()
    )


@dataclass(frozen=True, slots=True)
class _Models:
    encoder: SentenceEncoder
    topics: Catalogue
    builtin_mates: Catalogue
    difficulty: DifficultyModel


class Analyser:
    """Scores messages against the configured topics, the mates and the difficulty model."""

    def __init__(
        self,
        config: PreprocessingConfig,
        builtin_mates: Sequence[MateProfile] | None = None,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self._config = config
        self._builtin = tuple(builtin_mates) if builtin_mates is not None else None
        self._encoder = encoder
        self._models: _Models | None = None
        self._lock = threading.Lock()
        # A user's mates change rarely: their vectors are kept by (id, text), bounded.
        self._user_mates: dict[MateKey, Vector] = {}

    def loaded(self) -> _Models:
        """The models, loaded on first use (double-checked lock)."""
        models = self._models
        if models is None:
            with self._lock:
                if self._models is None:
                    self._models = self._load()
                models = self._models
        return models

    def _load(self) -> _Models:
        encoder = self._encoder or shared_encoder()
        builtin = self._builtin if self._builtin is not None else builtin_mate_profiles()
        return _Models(
            encoder=encoder,
            topics=Catalogue.embed(encoder, [(t.id, t.texts()) for t in self._config.topics]),
            builtin_mates=Catalogue.embed(encoder, [(m.id, [m.description]) for m in builtin]),
            difficulty=DifficultyModel(self._config.difficulty, encoder),
        )

    def analyse_many(self, items: Sequence[tuple[str, PreprocessContext]]) -> list[Analysis]:
        """Topic, mate and difficulty of each message, all embedded in one encoder call."""
        models = self.loaded()
        known, missing = self._user_mate_vectors([context for _, context in items])
        texts = [text for text, _ in items]
        vectors = models.encoder.encode(texts + [key[1] for key in missing])
        fresh = dict(zip(missing, vectors[len(texts) :], strict=True))
        if fresh:
            self._remember(fresh)
            known.update(fresh)
        return [
            self._analyse_row(models, text, vector, context, known)
            for (text, context), vector in zip(items, vectors[: len(texts)], strict=True)
        ]

    def _user_mate_vectors(
        self, contexts: Sequence[PreprocessContext]
    ) -> tuple[dict[MateKey, Vector], list[MateKey]]:
        keys = dict.fromkeys(mate_key(mate) for context in contexts for mate in context.user_mates)
        with self._lock:
            known = {key: self._user_mates[key] for key in keys if key in self._user_mates}
        return known, [key for key in keys if key not in known]

    def _remember(self, fresh: dict[MateKey, Vector]) -> None:
        with self._lock:
            if len(self._user_mates) + len(fresh) > _MAX_USER_MATE_VECTORS:
                self._user_mates.clear()
            self._user_mates.update(fresh)

    @staticmethod
    def _analyse_row(
        models: _Models,
        text: str,
        vector: Vector,
        context: PreprocessContext,
        user_vectors: dict[MateKey, Vector],
    ) -> Analysis:
        topics = models.topics
        topic = topics.nearest(vector)
        assert topic is not None  # the config requires at least one topic
        prototype = topics.vectors[topics.ids.index(topic.id)]
        keys = [mate_key(mate) for mate in context.user_mates]
        user = (
            Catalogue(tuple(key[0] for key in keys), np.stack([user_vectors[k] for k in keys]))
            if keys
            else Catalogue((), np.zeros((0, models.encoder.dimension), np.float32))
        )
        mates = models.builtin_mates.joined(user)
        mate = None
        if mates.ids:
            blended = 0.5 * mates.scores(vector) + 0.5 * mates.scores(prototype)
            best = int(np.argmax(blended))
            mate = Match(mates.ids[best], round(float(blended[best]), 4))
        return topic, mate, models.difficulty.estimate(text, vector)
