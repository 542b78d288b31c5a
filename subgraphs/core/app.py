"""ASGI app of the core subgraph (`python -m subgraphs.core` serves it alone)."""

from __future__ import annotations

from pathlib import Path

from shared.apps.factory import create_app
from subgraphs.core.service import current_service


async def _directus_up() -> bool:
    return await current_service().directus_up()


bundle = create_app(Path(__file__).parent, checks={"directus": _directus_up})
app = bundle.asgi
