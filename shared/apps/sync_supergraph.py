"""Add every app folder missing from supergraph.yaml as an in-process `module:` entry.

`python -m shared.apps.sync_supergraph [--check]`: entries already there (in-process or
`url:`) and the file's comments are kept; new ones are appended. `--check` changes nothing
and exits 1 naming the apps that are missing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from shared.apps.factory import DiscoveredApp, discover_apps


def listed_subgraphs(config: Path) -> set[str]:
    """The subgraph names supergraph.yaml lists."""
    data = yaml.safe_load(config.read_text()) if config.exists() else None
    subgraphs = (data or {}).get("subgraphs") or {}
    return set(subgraphs)


def missing_apps(root: Path, config: Path) -> list[DiscoveredApp]:
    """The discovered apps supergraph.yaml does not list."""
    listed = listed_subgraphs(config)
    return [app for app in discover_apps(root) if app.name not in listed]


def append_entries(config: Path, apps: Sequence[DiscoveredApp]) -> None:
    """Append `name: {module: ...}` entries under `subgraphs:` (the file's only key)."""
    text = config.read_text() if config.exists() else "subgraphs:\n"
    if not text.endswith("\n"):
        text += "\n"
    for app in apps:
        text += f"  {app.name}:\n    module: {app.module}\n"
    # Appending text keeps the comments; check it still parses as intended before writing.
    parsed = (yaml.safe_load(text) or {}).get("subgraphs") or {}
    if any(parsed.get(app.name, {}).get("module") != app.module for app in apps):
        raise ValueError(f"{config}: cannot append entries to it; add them by hand")
    config.write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code."""
    parser = argparse.ArgumentParser(prog="python -m shared.apps.sync_supergraph")
    parser.add_argument("--root", default="subgraphs", type=Path, help="folder of app folders")
    parser.add_argument("--config", default="supergraph/supergraph.yaml", type=Path)
    parser.add_argument("--check", action="store_true", help="only report missing apps")
    args = parser.parse_args(argv)
    missing = missing_apps(args.root, args.config)
    names = ", ".join(app.name for app in missing)
    if args.check:
        if missing:
            print(f"{args.config} lacks apps: {names} (run python -m shared.apps.sync_supergraph)")
            return 1
        print(f"{args.config} lists every app under {args.root}")
        return 0
    if missing:
        append_entries(args.config, missing)
        print(f"{args.config}: added {names}; then run python -m router compose")
    else:
        print(f"{args.config}: nothing to add")
    return 0


if __name__ == "__main__":
    sys.exit(main())
