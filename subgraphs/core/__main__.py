"""Serves the core subgraph alone: `python -m subgraphs.core --port 4102`."""

from __future__ import annotations

from shared.apps.serve import serve_app

if __name__ == "__main__":
    raise SystemExit(serve_app("subgraphs.core", default_port=4102))
