"""Session fixtures: nine test subgraphs on uvicorn, the supergraphs, both gateways."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.router.differential.variants import VARIANTS, Variant
from tests.support.demo import (
    DEMO_PACKAGE,
    DEMO_SUBGRAPHS,
    sources_of,
    start_subgraphs_in_one_process,
)
from tests.support.federation import (
    ComposedSupergraph,
    SubgraphSource,
    compose_supergraph,
    compose_with_apollo,
    node_tools_installed,
    write_text,
)
from tests.support.gateways import start_hive_gateway, start_our_router
from tests.support.servers import ManagedProcess, ProcessGroup

EXTRA_PACKAGE = "tests.router.differential.subgraphs"
EXTRA_SUBGRAPHS = ("media", "ratings", "popularity", "stores", "legacy")


@pytest.fixture(scope="session")
def differential_subgraphs(process_group: ProcessGroup) -> list[SubgraphSource]:
    """The demo subgraphs plus the extra ones, served over HTTP by one helper process."""
    modules = {name: f"{DEMO_PACKAGE}.{name}" for name in DEMO_SUBGRAPHS}
    modules |= {name: f"{EXTRA_PACKAGE}.{name}" for name in EXTRA_SUBGRAPHS}
    return sources_of(start_subgraphs_in_one_process(process_group, modules))


@pytest.fixture(scope="session")
def differential_supergraph(
    differential_subgraphs: list[SubgraphSource], tmp_path_factory: pytest.TempPathFactory
) -> ComposedSupergraph:
    """The supergraph composed by our composer (Apollo's only while ours is not in main)."""
    composed = compose_supergraph(differential_subgraphs, tmp_path_factory.mktemp("differential"))
    if composed.composer != "mateway":
        warnings.warn(
            "router.composition is not in main yet: the differential supergraph was composed "
            "with @apollo/composition",
            stacklevel=1,
        )
    return composed


@pytest.fixture(scope="session", params=VARIANTS, ids=[v.name for v in VARIANTS])
def variant(request: pytest.FixtureRequest) -> Variant:
    """The supergraph variant a test runs on: every test using it runs once per variant."""
    chosen: Variant = request.param
    return chosen


@pytest.fixture(scope="session")
def variant_supergraph(
    variant: Variant,
    differential_subgraphs: list[SubgraphSource],
    differential_supergraph: ComposedSupergraph,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The supergraph file of the variant."""
    if variant.composer == "mateway":
        return differential_supergraph.path
    if not node_tools_installed():
        pytest.fail("tests/tools/node_modules is missing: run scripts/bootstrap.sh")
    sdl = compose_with_apollo(variant.sources(differential_subgraphs))
    return write_text(tmp_path_factory.mktemp(variant.name) / "supergraph.graphql", sdl)


def _serve(
    start: Callable[[ProcessGroup, Path], ManagedProcess], path: Path
) -> Iterator[ManagedProcess]:
    group = ProcessGroup()
    try:
        yield start(group, path)
    finally:
        group.stop_all()


@pytest.fixture(scope="session")
def hive_gateway(variant_supergraph: Path) -> Iterator[ManagedProcess]:
    """Hive Gateway (the reference) on the variant's supergraph, until the variant changes."""
    if not node_tools_installed():
        pytest.fail("tests/tools/node_modules is missing: run scripts/bootstrap.sh")
    yield from _serve(start_hive_gateway, variant_supergraph)


@pytest.fixture(scope="session")
def our_router(variant_supergraph: Path) -> Iterator[ManagedProcess]:
    """Our router on the same supergraph file, until the variant changes."""
    yield from _serve(start_our_router, variant_supergraph)


@pytest.fixture(scope="session")
def http_client() -> Iterator[httpx.Client]:
    """One keep-alive client for every request of the session."""
    with httpx.Client(timeout=30.0) as client:
        yield client
