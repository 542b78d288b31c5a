"""Serves the mates subgraph alone: `python -m subgraphs.mates --port 4101`."""

from __future__ import annotations

from shared.apps.serve import serve_app

if __name__ == "__main__":
    raise SystemExit(serve_app("subgraphs.mates", default_port=4101))
