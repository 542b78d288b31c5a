"""Router load benchmark: our router against Hive Gateway on the demo federation.

Not a timed test: it prints requests per second, p50, p99 and peak RSS for both
gateways (and the ratios), plus the latency the router adds over calling a subgraph
directly, and writes them to logs/benchmarks/router_load.json. Only correctness is
asserted (both gateways answer the benchmark queries identically and without errors).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.benchmarks.router.loadgen import LoadResult, PeakRssSampler, run_k6
from tests.router.differential.compare import comparable
from tests.support.demo import sources_of, start_demo_subgraphs
from tests.support.federation import ComposedSupergraph, compose_supergraph
from tests.support.gateways import post_graphql, start_hive_gateway, start_our_router
from tests.support.servers import REPO_ROOT, ManagedProcess, ProcessGroup

DEEP_QUERY = """query Deep {
  users(first: 3) { id name reviews { body product { upc name reviews { body
    author { id name username } } } } }
  topProducts(first: 5) { upc name price inStock shippingEstimate }
}"""
SINGLE_SUBGRAPH_QUERY = "query Single { topProducts(first: 5) { upc name price weight } }"

DEEP_VUS, SINGLE_VUS = 10, 1
WARMUP_SECONDS, DEEP_SECONDS, SINGLE_SECONDS = 3, 15, 5
RESULTS_FILE = REPO_ROOT / "logs" / "benchmarks" / "router_load.json"


@dataclass
class Stack:
    """The running benchmark federation: subgraphs, supergraph and the reference gateway."""

    group: ProcessGroup
    products_url: str
    supergraph: ComposedSupergraph
    hive: ManagedProcess
    workdir: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Four demo subgraphs (one process each), their supergraph, and Hive Gateway."""
    group = ProcessGroup()
    try:
        workdir = tmp_path_factory.mktemp("bench")
        subgraphs = start_demo_subgraphs(group)
        supergraph = compose_supergraph(sources_of(subgraphs), workdir)
        hive = start_hive_gateway(group, supergraph.path)
        products = next(s.url for s in subgraphs if s.name == "products")
        yield Stack(group, products, supergraph, hive, workdir)
    finally:
        group.stop_all()


def measure(
    url: str, query: str, vus: int, seconds: int, workdir: Path, pid: int | None
) -> LoadResult:
    """Warms up, then loads ``url`` for ``seconds``, sampling the peak RSS of ``pid``."""
    body = {"query": query}
    run_k6(url, body, vus, WARMUP_SECONDS, workdir / "warmup.json")
    if pid is None:
        return run_k6(url, body, vus, seconds, workdir / "run.json")
    with PeakRssSampler(pid) as sampler:
        result = run_k6(url, body, vus, seconds, workdir / "run.json")
    return LoadResult(**{**asdict(result), "peak_rss_mb": round(sampler.peak_mb, 1)})


def answer(url: str, query: str) -> dict[str, Any]:
    """One response, read before the load so both gateways are checked for correctness."""
    with httpx.Client(timeout=30.0) as client:
        result: dict[str, Any] = post_graphql(client, url, query).json()
        return result


def ratio(ours: float, theirs: float) -> float | None:
    """ours / theirs, rounded; None when the reference measured zero."""
    return round(ours / theirs, 2) if theirs else None


def summary_lines(figures: dict[str, Any]) -> list[str]:
    """The printed table."""
    lines = [f"router load benchmark (supergraph composed by {figures['composer']})"]
    lines.append(f"{'deep query':<26}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'peak RSS MB':>13}")
    for name in ("hive_gateway", "mateway_router"):
        row = figures["deep"].get(name)
        if row is not None:
            lines.append(
                f"{name:<26}{row['rps']:>9.1f}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
                f"{row['peak_rss_mb'] or 0:>13.1f}"
            )
    for key, value in figures.get("ratios", {}).items():
        lines.append(f"  {key}: {value}")
    single = figures.get("single_subgraph", {})
    for name, row in single.items():
        if isinstance(row, dict):
            lines.append(
                f"single-subgraph {name:<20} p50 {row['p50_ms']:.2f} ms  rps {row['rps']:.1f}"
            )
    if "router_added_p50_ms" in single:
        lines.append(f"  router adds {single['router_added_p50_ms']} ms p50 over the subgraph")
    if figures.get("router_error"):
        lines.append(f"our router could not be measured: {figures['router_error']}")
    return lines


def measure_router(stack: Stack, figures: dict[str, Any], hive_answer: dict[str, Any]) -> None:
    """Starts our router and adds its figures (or its start-up error) to ``figures``."""
    try:
        router = start_our_router(stack.group, stack.supergraph.path)
    except RuntimeError as error:
        figures["router_error"] = str(error).splitlines()[0]
        return
    graphql = f"{router.url}/graphql"
    router_answer = answer(router.url, DEEP_QUERY)
    figures["router_matches_hive"] = comparable(router_answer) == comparable(hive_answer)
    deep = measure(graphql, DEEP_QUERY, DEEP_VUS, DEEP_SECONDS, stack.workdir, router.pid)
    figures["deep"]["mateway_router"] = asdict(deep)
    single = measure(
        graphql, SINGLE_SUBGRAPH_QUERY, SINGLE_VUS, SINGLE_SECONDS, stack.workdir, None
    )
    figures["single_subgraph"]["mateway_router"] = asdict(single)
    reference = figures["deep"]["hive_gateway"]
    figures["ratios"] = {
        "rps_router_over_hive": ratio(deep.rps, reference["rps"]),
        "p99_router_over_hive": ratio(deep.p99_ms, reference["p99_ms"]),
        "rss_router_over_hive": ratio(deep.peak_rss_mb or 0, reference["peak_rss_mb"] or 0),
    }
    direct = figures["single_subgraph"]["products_direct"]["p50_ms"]
    figures["single_subgraph"]["router_added_p50_ms"] = round(single.p50_ms - direct, 3)


@pytest.mark.benchmark
def test_router_and_hive_gateway_under_load(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """Measures both gateways on the deep query and the router's overhead on a one-subgraph query."""
    hive_answer = answer(stack.hive.url, DEEP_QUERY)
    assert "errors" not in hive_answer, hive_answer
    hive_graphql = f"{stack.hive.url}/graphql"
    figures: dict[str, Any] = {"composer": stack.supergraph.composer, "deep": {}}
    deep = measure(hive_graphql, DEEP_QUERY, DEEP_VUS, DEEP_SECONDS, stack.workdir, stack.hive.pid)
    figures["deep"]["hive_gateway"] = asdict(deep)
    figures["single_subgraph"] = {
        name: asdict(
            measure(url, SINGLE_SUBGRAPH_QUERY, SINGLE_VUS, SINGLE_SECONDS, stack.workdir, None)
        )
        for name, url in (("products_direct", stack.products_url), ("hive_gateway", hive_graphql))
    }
    measure_router(stack, figures, hive_answer)

    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(figures, indent=2))
    with capsys.disabled():
        print("\n" + "\n".join(summary_lines(figures)) + f"\n(figures in {RESULTS_FILE})")

    assert deep.failed_checks == 0, "Hive Gateway answered with errors under load"
    assert "router_error" not in figures, figures["router_error"]
    assert figures["router_matches_hive"], "our router's answer differs from Hive Gateway's"
    assert figures["deep"]["mateway_router"]["failed_checks"] == 0, "router errors under load"
