"""Session fixtures: nine test subgraphs on uvicorn, the composed supergraph, both gateways."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

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
    node_tools_installed,
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


@pytest.fixture(scope="session")
def hive_gateway(
    process_group: ProcessGroup, differential_supergraph: ComposedSupergraph
) -> ManagedProcess:
    """Hive Gateway (the reference) serving the composed supergraph."""
    if not node_tools_installed():
        pytest.fail("tests/tools/node_modules is missing: run scripts/bootstrap.sh")
    return start_hive_gateway(process_group, differential_supergraph.path)


@pytest.fixture(scope="session")
def our_router(
    process_group: ProcessGroup, differential_supergraph: ComposedSupergraph
) -> ManagedProcess:
    """Our router serving the same supergraph file."""
    return start_our_router(process_group, differential_supergraph.path)


@pytest.fixture(scope="session")
def http_client() -> Iterator[httpx.Client]:
    """One keep-alive client for every request of the session."""
    with httpx.Client(timeout=30.0) as client:
        yield client


@pytest.fixture(scope="session")
def supergraph_path(differential_supergraph: ComposedSupergraph) -> Path:
    """Path of the composed supergraph file."""
    return differential_supergraph.path
