"""preprocessing.yml is validated: weights, thresholds and topic ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from subgraphs.ai.preprocessing.config import (
    PREPROCESSING_FILE,
    PreprocessingConfig,
    default_preprocessing_config,
    load_preprocessing_config,
)


def _packaged() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PREPROCESSING_FILE.read_text())
    return data


def test_packaged_config_has_the_topics_the_router_relies_on() -> None:
    ids = {topic.id for topic in default_preprocessing_config().topics}
    assert {"coding", "writing", "research", "health", "legal", "finance", "smalltalk"} <= ids


def test_difficulty_weights_that_do_not_sum_to_one_are_rejected() -> None:
    data = _packaged()
    data["difficulty"]["weights"]["length"] = 0.9
    with pytest.raises(ValidationError, match="sum to 1"):
        PreprocessingConfig.model_validate(data)


def test_medium_threshold_above_hard_threshold_is_rejected() -> None:
    data = _packaged()
    data["difficulty"]["medium_from"] = 0.6
    with pytest.raises(ValidationError, match="medium_from must be below hard_from"):
        PreprocessingConfig.model_validate(data)


def test_duplicate_topic_ids_are_rejected(tmp_path: Path) -> None:
    data = _packaged()
    data["topics"].append(dict(data["topics"][0]))
    path = tmp_path / "preprocessing.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ValidationError, match="duplicate topic ids"):
        load_preprocessing_config(path)


def test_unknown_keys_are_rejected() -> None:
    data = _packaged()
    data["topics"][0]["colour"] = "blue"
    with pytest.raises(ValidationError):
        PreprocessingConfig.model_validate(data)
