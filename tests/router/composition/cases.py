"""Snapshot cases: subgraph SDL files and the supergraph/API schema Apollo composed from them.

Each folder under cases/ holds `<order>-<subgraph>.graphql` files, `supergraph.graphql`
(Apollo's `composeServices` output, @apollo/composition 2.14) and `api.graphql` (Apollo's
API schema of it). Our composer must print the supergraph byte for byte.
"""

from __future__ import annotations

from pathlib import Path

from router.composition import SubgraphSchema

CASES_DIR = Path(__file__).parent / "cases"
CASE_NAMES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())


def case_subgraphs(case: str) -> list[SubgraphSchema]:
    """The subgraphs of a case, in file order, routed at http://<name>/graphql."""
    schemas = []
    for path in sorted((CASES_DIR / case).glob("[0-9]-*.graphql")):
        name = path.stem.split("-", 1)[1]
        schemas.append(SubgraphSchema(name, f"http://{name}/graphql", path.read_text()))
    return schemas


def case_file(case: str, name: str) -> str:
    """One expected file of a case."""
    return (CASES_DIR / case / name).read_text()
