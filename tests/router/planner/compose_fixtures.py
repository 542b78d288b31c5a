"""Recomposes the fixture supergraphs with Apollo's composer.

Each folder ``supergraphs/<name>/`` holds subgraph SDLs; ``supergraphs/<name>.graphql`` is
the supergraph ``@apollo/composition`` makes of them. Run after editing a subgraph:
``.venv/bin/python -m tests.router.planner.compose_fixtures`` (needs ``npm ci`` in tests/tools).
"""

from __future__ import annotations

from tests.router.planner.support import SUPERGRAPHS
from tests.support.federation import SubgraphSource, compose_with_apollo


def main() -> None:
    """Writes ``supergraphs/<name>.graphql`` for every fixture folder."""
    for folder in sorted(p for p in SUPERGRAPHS.iterdir() if p.is_dir()):
        subgraphs = [
            SubgraphSource(f.stem, f"http://{f.stem}.test/graphql", f.read_text())
            for f in sorted(folder.glob("*.graphql"))
        ]
        (SUPERGRAPHS / f"{folder.name}.graphql").write_text(compose_with_apollo(subgraphs))
        print(f"composed {folder.name}")


if __name__ == "__main__":
    main()
