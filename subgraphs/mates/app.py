"""ASGI app of the mates subgraph (`python -m subgraphs.mates` serves it alone)."""

from __future__ import annotations

from pathlib import Path

from shared.apps.factory import create_app
from subgraphs.mates.runtime import current_runtime
from subgraphs.mates.settings import MatesSettings


async def _directus_up() -> bool:
    return await current_runtime().directus_up()


bundle = create_app(
    Path(__file__).parent, checks={"directus": _directus_up}, settings_class=MatesSettings
)
app = bundle.asgi
