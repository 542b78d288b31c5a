"""Preprocessing before the provider call: topic, mate suggestion, difficulty, moderation."""

from subgraphs.ai.preprocessing.catalogue import Match
from subgraphs.ai.preprocessing.difficulty import DifficultyEstimate
from subgraphs.ai.preprocessing.moderation import (
    ModerationUnavailable,
    ModerationVerdict,
    Moderator,
    OpenAIModerator,
)
from subgraphs.ai.preprocessing.service import (
    MateProfile,
    PreprocessContext,
    Preprocessor,
    PreprocessResult,
    PreprocessStats,
    default_preprocessor,
    install_preprocessor,
    installed_preprocessor,
    preprocess,
)

__all__ = [
    "DifficultyEstimate",
    "Match",
    "MateProfile",
    "ModerationUnavailable",
    "ModerationVerdict",
    "Moderator",
    "OpenAIModerator",
    "PreprocessContext",
    "PreprocessResult",
    "PreprocessStats",
    "Preprocessor",
    "default_preprocessor",
    "install_preprocessor",
    "installed_preprocessor",
    "preprocess",
]
