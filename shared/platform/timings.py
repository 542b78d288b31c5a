"""The last first-start and warm-start durations, kept in the data folder for `--status`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def read_timings(path: Path) -> dict[str, Any]:
    """The recorded durations ({} before the first start)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return data if isinstance(data, dict) else {}


def record_start(path: Path, first: bool, seconds: float) -> None:
    """Record a whole-stack start: the first one (fresh data) or a warm one."""
    data = read_timings(path)
    kind = "first_start" if first else "warm_start"
    data[f"{kind}_seconds"] = round(seconds, 1)
    data[f"{kind}_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text(json.dumps(data, indent=2) + "\n")
