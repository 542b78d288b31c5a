"""The demo federation (accounts, products, reviews, inventory) as separate uvicorn processes."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from tests.support.federation import SubgraphSource, fetch_sdl
from tests.support.ports import LOOPBACK, free_port, wait_for_port
from tests.support.servers import ManagedProcess, ProcessGroup, python_module_process

DEMO_PACKAGE = "tests.benchmarks.router.subgraphs"
DEMO_SUBGRAPHS = ("accounts", "products", "reviews", "inventory")


@dataclass(frozen=True)
class RunningSubgraph:
    """A subgraph serving GraphQL at ``url`` from process ``pid``."""

    name: str
    url: str
    pid: int


def start_subgraph_processes(
    group: ProcessGroup, modules: dict[str, str], timeout: float = 60.0
) -> list[RunningSubgraph]:
    """Starts ``python -m <module> --port N`` for each name -> module and waits for them all."""
    processes = [
        python_module_process(f"subgraph-{name}", module) for name, module in modules.items()
    ]
    group.start_many(processes, timeout=timeout)
    return [
        RunningSubgraph(name=name, url=f"{process.url}/graphql", pid=process.pid)
        for name, process in zip(modules, processes, strict=True)
    ]


def start_subgraphs_in_one_process(
    group: ProcessGroup, modules: dict[str, str], timeout: float = 60.0
) -> list[RunningSubgraph]:
    """Serves every name -> module's ``app`` from a single process, one port each."""
    ports = {name: free_port() for name in modules}
    specs = [f"{name}={module}:app@{ports[name]}" for name, module in modules.items()]
    args = [sys.executable, "-m", "tests.support.multiserve", *specs]
    first = next(iter(ports.values()))
    process = group.start(ManagedProcess("subgraphs", args, first), timeout=timeout)
    for port in ports.values():
        wait_for_port(port, timeout=timeout, process=process.process)
    return [
        RunningSubgraph(name=name, url=f"http://{LOOPBACK}:{port}/graphql", pid=process.pid)
        for name, port in ports.items()
    ]


def start_demo_subgraphs(group: ProcessGroup) -> list[RunningSubgraph]:
    """The four demo subgraphs, each in its own uvicorn process."""
    return start_subgraph_processes(
        group, {name: f"{DEMO_PACKAGE}.{name}" for name in DEMO_SUBGRAPHS}
    )


def sources_of(subgraphs: list[RunningSubgraph]) -> list[SubgraphSource]:
    """Each running subgraph's name, URL and the SDL it reports."""
    return [SubgraphSource(name=s.name, url=s.url, sdl=fetch_sdl(s.url)) for s in subgraphs]
