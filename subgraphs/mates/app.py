"""ASGI app of the mates subgraph (`python -m subgraphs.mates` serves it alone)."""

from __future__ import annotations

from pathlib import Path

from shared.apps.factory import create_app

# The built-in mates are read from YAML at import, so the app has no dependency to check.
bundle = create_app(Path(__file__).parent)
app = bundle.asgi
