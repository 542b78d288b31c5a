"""The preprocessing step of a reply (6D's `subgraphs/ai/preprocessing`), as a stream event.

Preprocessing (topic, mate routing, difficulty, moderation) is built separately; until its
package is installed a reply goes straight to the model and no PreprocessingEvent is sent.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from subgraphs.ai.types import PreprocessingEvent


def _preprocess() -> Any:
    try:
        module = importlib.import_module("subgraphs.ai.preprocessing")
    except ModuleNotFoundError:
        return None
    return getattr(module, "preprocess", None)


async def preprocessing_event(text: str, context: Any) -> PreprocessingEvent | None:
    """Run preprocessing on the user's text; None when it is not installed."""
    preprocess = _preprocess()
    if preprocess is None:
        return None
    result = preprocess(text, context)
    if inspect.isawaitable(result):
        result = await result
    moderation = getattr(result, "moderation", None)
    difficulty = getattr(result, "difficulty", None)
    mate = getattr(result, "mate", None) or getattr(result, "mate_id", None)
    return PreprocessingEvent(
        topic=_text(getattr(result, "topic", None)),
        mate_id=_text(getattr(mate, "id", mate)),
        difficulty=float(difficulty) if isinstance(difficulty, int | float) else None,
        flagged=bool(getattr(moderation, "flagged", False)),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
