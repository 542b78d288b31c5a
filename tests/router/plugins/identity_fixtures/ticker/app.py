"""The ticker test app's ASGI app."""

from __future__ import annotations

from pathlib import Path

from shared.apps.factory import create_app

bundle = create_app(Path(__file__).parent)
app = bundle.asgi
