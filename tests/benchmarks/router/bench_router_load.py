"""Router load benchmark: our router against Hive Gateway on the demo federation.

Not a timed test: it prints requests per second, p50, p99 and peak RSS for both
gateways (and the ratios), plus the latency the router adds over calling a subgraph
directly, and writes them to logs/benchmarks/router_load.json. Only correctness is
asserted (both gateways answer the benchmark query identically and without errors).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.benchmarks.router.loadgen import Target, load_interleaved
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
WARMUP_SECONDS, ROUNDS = 3, 3
DEEP_SECONDS, SINGLE_SECONDS = 5, 2
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
    lines = [
        f"router load benchmark (supergraph composed by {figures['composer']}; "
        f"{ROUNDS} interleaved rounds per target: deep {DEEP_VUS} VUs x {DEEP_SECONDS}s, "
        f"single-subgraph {SINGLE_VUS} VU x {SINGLE_SECONDS}s)",
        f"{'deep query':<26}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'peak RSS MB':>13}",
    ]
    for name, row in figures.get("deep", {}).items():
        lines.append(
            f"{name:<26}{row['rps']:>9.1f}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
            f"{row['peak_rss_mb'] or 0:>13.1f}"
        )
    lines += [f"  {key}: {value}" for key, value in figures.get("ratios", {}).items()]
    single = figures.get("single_subgraph", {})
    for name, row in single.items():
        if isinstance(row, dict):
            lines.append(
                f"single-subgraph {name:<20} p50 {row['p50_ms']:.2f} ms  "
                f"p99 {row['p99_ms']:.2f} ms  rps {row['rps']:.1f}"
            )
    if "router_added_p50_ms" in single:
        lines.append(f"  router adds {single['router_added_p50_ms']} ms p50 over the subgraph")
    lines.append(
        f"cpus {figures.get('cpus')}, load average before {figures.get('load_average_before')}"
        f", after {figures.get('load_average_after')}"
    )
    if figures.get("router_error"):
        lines.append(f"our router could not be measured: {figures['router_error']}")
    return lines


def start_router_or_note(stack: Stack, figures: dict[str, Any]) -> ManagedProcess | None:
    """Our router on the same supergraph; on failure the error goes into ``figures``."""
    try:
        return start_our_router(stack.group, stack.supergraph.path)
    except RuntimeError as error:
        figures["router_error"] = str(error).splitlines()[0]
        return None


def add_ratios(figures: dict[str, Any]) -> None:
    """Router-over-Hive ratios and the router's added p50 on the one-subgraph query."""
    ours, reference = figures["deep"]["mateway_router"], figures["deep"]["hive_gateway"]
    figures["ratios"] = {
        "rps_router_over_hive": ratio(ours["rps"], reference["rps"]),
        "p99_router_over_hive": ratio(ours["p99_ms"], reference["p99_ms"]),
        "rss_router_over_hive": ratio(ours["peak_rss_mb"] or 0, reference["peak_rss_mb"] or 0),
    }
    single = figures["single_subgraph"]
    added = single["mateway_router"]["p50_ms"] - single["products_direct"]["p50_ms"]
    single["router_added_p50_ms"] = round(added, 3)


def write_and_print(figures: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    """Writes the figures to RESULTS_FILE and prints the table past pytest's capture."""
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(figures, indent=2))
    with capsys.disabled():
        print("\n" + "\n".join(summary_lines(figures)) + f"\n(figures in {RESULTS_FILE})")


@pytest.mark.benchmark
def test_router_and_hive_gateway_under_load(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """Loads both gateways in turns with the deep query, then measures one-subgraph overhead."""
    hive_answer = answer(stack.hive.url, DEEP_QUERY)
    assert "errors" not in hive_answer, hive_answer
    figures: dict[str, Any] = {
        "composer": stack.supergraph.composer,
        "cpus": os.cpu_count(),
        # Other work on the machine skews the figures: the load average says how much.
        "load_average_before": [round(value, 2) for value in os.getloadavg()],
    }
    gateways = [Target("hive_gateway", f"{stack.hive.url}/graphql", stack.hive.pid)]
    router = start_router_or_note(stack, figures)
    if router is not None:
        router_answer = answer(router.url, DEEP_QUERY)
        figures["router_matches_hive"] = comparable(router_answer) == comparable(hive_answer)
        if not figures["router_matches_hive"]:
            # Kept for diagnosis: the two answers side by side.
            RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
            for name, body in (("hive", hive_answer), ("router", router_answer)):
                (RESULTS_FILE.parent / f"deep_answer_{name}.json").write_text(json.dumps(body))
            figures["router_answer_errors"] = router_answer.get("errors")
        gateways.append(Target("mateway_router", f"{router.url}/graphql", router.pid))

    deep = load_interleaved(
        gateways, {"query": DEEP_QUERY}, DEEP_VUS, ROUNDS, DEEP_SECONDS, stack.workdir,
        WARMUP_SECONDS,
    )  # fmt: skip
    figures["deep"] = {name: asdict(result) for name, result in deep.items()}
    # Latency only on the one-subgraph query: no RSS sampling.
    targets = [Target("products_direct", stack.products_url)]
    targets += [Target(gateway.name, gateway.url) for gateway in gateways]
    single = load_interleaved(
        targets, {"query": SINGLE_SUBGRAPH_QUERY}, SINGLE_VUS, ROUNDS, SINGLE_SECONDS,
        stack.workdir, WARMUP_SECONDS,
    )  # fmt: skip
    figures["single_subgraph"] = {name: asdict(result) for name, result in single.items()}
    if router is not None:
        add_ratios(figures)
    figures["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
    write_and_print(figures, capsys)

    assert deep["hive_gateway"].failed_checks == 0, "Hive Gateway answered with errors under load"
    assert "router_error" not in figures, figures["router_error"]
    assert figures["router_matches_hive"], "our router's answer differs from Hive Gateway's"
    assert deep["mateway_router"].failed_checks == 0, "our router answered with errors under load"
    failed = {name: result.failed_checks for name, result in single.items() if result.failed_checks}
    assert not failed, f"errors under load on the one-subgraph query: {failed}"
