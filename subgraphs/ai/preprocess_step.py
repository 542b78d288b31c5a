"""The preprocessing step of a reply (subgraphs/ai/preprocessing) as a stream event."""

from __future__ import annotations

import logging

from subgraphs.ai.preprocessing import default_preprocessor, preprocess
from subgraphs.ai.types import PreprocessingEvent

logger = logging.getLogger("mateway.ai.preprocessing")


async def preprocessing_event(text: str) -> PreprocessingEvent | None:
    """Topic, suggested mate, difficulty and moderation of the message; None if it failed."""
    try:
        result = await preprocess(text)
    except Exception:
        # Preprocessing informs the reply; a broken model file must not stop every answer.
        logger.exception("preprocessing failed; replying without it")
        return None
    moderation = result.moderation
    return PreprocessingEvent(
        topic=str(result.topic),
        mate_id=str(result.mate) if result.mate is not None else None,
        difficulty=result.difficulty.score,
        difficulty_level=str(result.difficulty.level),
        flagged=result.flagged,
        categories=list(moderation.categories) if moderation is not None else [],
    )


def moderation_configured() -> bool:
    """Whether a moderator checks messages (then a reply's text waits for its verdict)."""
    return default_preprocessor().moderates
