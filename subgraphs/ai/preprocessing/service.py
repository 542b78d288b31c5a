"""preprocess(text, context): topic, mate suggestion, difficulty and moderation of a message.

The encoder, the topic and built-in mate vectors and the difficulty exemplars are loaded once
per process on first use (thread-safe). A mate's score blends two similarities, half each: to
the message itself and to the prototype of the message's topic; mate descriptions are one short
sentence, and the topic prototype (description plus examples) carries the vocabulary a single
message often lacks ("KeyError" says little about "a software engineer" on its own).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from subgraphs.ai.preprocessing.catalogue import Catalogue, Match
from subgraphs.ai.preprocessing.config import PreprocessingConfig, default_preprocessing_config
from subgraphs.ai.preprocessing.difficulty import DifficultyEstimate, DifficultyModel
from subgraphs.ai.preprocessing.encoder import SentenceEncoder, Vector, shared_encoder
from subgraphs.ai.preprocessing.moderation import (
    ModerationUnavailable,
    ModerationVerdict,
    Moderator,
)
from subgraphs.mates.service import builtin_mates_by_id


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


@dataclass(frozen=True, slots=True)
class PreprocessResult:
    """The outcome the reply stream emits as an event before the provider call."""

    topic: Match
    mate: Match | None
    difficulty: DifficultyEstimate
    # None: no moderator configured, or it did not answer (then moderation_error says why).
    moderation: ModerationVerdict | None
    moderation_error: str | None = None
    elapsed_ms: float = field(default=0.0, compare=False)

    @property
    def flagged(self) -> bool:
        """True when the moderator flagged the message."""
        return self.moderation is not None and self.moderation.flagged

    def as_event(self) -> dict[str, Any]:
        """A JSON-ready payload for the reply stream's preprocessing event."""
        payload = asdict(self)
        if self.moderation is not None:
            payload["moderation"]["categories"] = list(self.moderation.categories)
        return payload


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


class Preprocessor:
    """Routes a message to a topic and a mate, estimates its difficulty and moderates it."""

    def __init__(
        self,
        config: PreprocessingConfig | None = None,
        moderator: Moderator | None = None,
        builtin_mates: Sequence[MateProfile] | None = None,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self._config = config or default_preprocessing_config()
        self._moderator = moderator
        self._builtin = tuple(builtin_mates) if builtin_mates is not None else None
        self._encoder = encoder
        self._models: _Models | None = None
        self._lock = threading.Lock()
        self._user_mates: dict[tuple[str, str], Vector] = {}

    def warm_up(self) -> None:
        """Loads the model and embeds topics, mates and exemplars now instead of on first use."""
        self._loaded()

    def _loaded(self) -> _Models:
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

    def analyse(
        self, text: str, context: PreprocessContext
    ) -> tuple[Match, Match | None, DifficultyEstimate]:
        """Topic, mate and difficulty of a message (CPU work, no I/O)."""
        models = self._loaded()
        vector = models.encoder.encode_one(text)
        topics = models.topics
        topic = topics.nearest(vector)
        assert topic is not None  # the config requires at least one topic
        prototype = topics.vectors[topics.ids.index(topic.id)]
        mates = models.builtin_mates.joined(self._user_catalogue(models.encoder, context))
        mate = None
        if mates.ids:
            blended = 0.5 * mates.scores(vector) + 0.5 * mates.scores(prototype)
            best = int(np.argmax(blended))
            mate = Match(mates.ids[best], round(float(blended[best]), 4))
        return topic, mate, models.difficulty.estimate(text, vector)

    def _user_catalogue(self, encoder: SentenceEncoder, context: PreprocessContext) -> Catalogue:
        # A user's mates change rarely: their vectors are kept by (id, description), bounded.
        keys = [(mate.id, mate.description) for mate in context.user_mates]
        found = {key: self._user_mates[key] for key in keys if key in self._user_mates}
        missing = [
            mate for mate, key in zip(context.user_mates, keys, strict=True) if key not in found
        ]
        if missing:
            vectors = encoder.encode([mate.description or mate.name for mate in missing])
            fresh = {(m.id, m.description): v for m, v in zip(missing, vectors, strict=True)}
            found.update(fresh)
            with self._lock:
                if len(self._user_mates) + len(fresh) > 10_000:
                    self._user_mates.clear()
                self._user_mates.update(fresh)
        if not keys:
            return Catalogue((), np.zeros((0, encoder.dimension), np.float32))
        return Catalogue(tuple(key[0] for key in keys), np.stack([found[key] for key in keys]))

    async def preprocess(self, text: str, context: PreprocessContext) -> PreprocessResult:
        """Runs the analysis in a worker thread while the moderator (if any) is asked."""
        started = time.perf_counter()
        analysis = asyncio.create_task(asyncio.to_thread(self.analyse, text, context))
        verdict, error = await self._moderate(text)
        topic, mate, difficulty = await analysis
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        return PreprocessResult(topic, mate, difficulty, verdict, error, elapsed)

    async def _moderate(self, text: str) -> tuple[ModerationVerdict | None, str | None]:
        if self._moderator is None:
            return None, None
        try:
            return await self._moderator.moderate(text), None
        except ModerationUnavailable as error:
            return None, str(error)


_default: Preprocessor | None = None
_default_lock = threading.Lock()


def install_preprocessor(preprocessor: Preprocessor | None) -> None:
    """Sets the process's preprocessor (e.g. one with a moderator from the app's settings)."""
    global _default
    with _default_lock:
        _default = preprocessor


def default_preprocessor() -> Preprocessor:
    """The process's preprocessor: the installed one, else the packaged config, no moderator."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Preprocessor()
        return _default


async def preprocess(text: str, context: object = None) -> PreprocessResult:
    """Preprocesses a message with the process's preprocessor."""
    # The reply stream passes its own reply context, whose mate is already chosen; only a
    # PreprocessContext carries the user's other mates to suggest from.
    found = context if isinstance(context, PreprocessContext) else PreprocessContext()
    return await default_preprocessor().preprocess(text, found)
