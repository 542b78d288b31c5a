"""ASGI app of the ai subgraph (`python -m subgraphs.ai` serves it alone)."""

from __future__ import annotations

from pathlib import Path

from shared.apps.factory import create_app
from subgraphs.ai.runtime import ai_lifespan
from subgraphs.ai.settings import AiSettings

bundle = create_app(Path(__file__).parent, settings_class=AiSettings)
app = bundle.asgi
# Installs preprocessing at the app's start and stops its child process at shutdown (the router
# runs in-process apps' lifespans).
app.router.lifespan_context = ai_lifespan
