"""Serves the mates subgraph alone: `python -m subgraphs.mates --port 4101`."""

from __future__ import annotations

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m subgraphs.mates")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4101)
    args = parser.parse_args()
    uvicorn.run("subgraphs.mates.app:app", host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
