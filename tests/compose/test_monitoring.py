"""Prometheus, Grafana, Loki and Alloy config: valid, and pointing at services that exist."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from router.http.metrics import RouterMetrics
from tests.compose.conftest import APPS, COMPOSE_DIR, CORE, ROOT, Compose

PROMETHEUS = COMPOSE_DIR / "prometheus" / "prometheus.yml"
GRAFANA = COMPOSE_DIR / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
# Business metrics that later issues emit (docs/compose.md says so); the dashboard shows
# "no data yet" until they exist.
FUTURE_METRICS = {"mateway_active_users", "mateway_signups_total", "mateway_payments_income_total"}
STANDARD_METRICS = {"up"}


def test_promtool_accepts_the_prometheus_config() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (Debian package `prometheus`); YAML checks still run")
    result = subprocess.run(
        [promtool, "check", "config", str(PROMETHEUS)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _scrape_targets() -> dict[str, list[tuple[str, int]]]:
    config = yaml.safe_load(PROMETHEUS.read_text())
    targets: dict[str, list[tuple[str, int]]] = {}
    for job in config["scrape_configs"]:
        found = targets.setdefault(job["job_name"], [])
        for sd in job.get("dns_sd_configs", []):
            found += [(name, sd["port"]) for name in sd["names"]]
    return targets


def _exposed_ports(path: Path) -> dict[str, set[int]]:
    raw = yaml.safe_load(path.read_text())
    exposed: dict[str, set[int]] = {}
    for name, service in raw["services"].items():
        exposed[name] = {int(p) for p in service.get("expose", [])}
    return exposed


def test_scrape_targets_are_compose_services_on_their_ports() -> None:
    exposed = _exposed_ports(CORE)
    for name, ports in _exposed_ports(APPS).items():
        exposed[name] = exposed.get(name, set()) | ports
    targets = _scrape_targets()
    assert targets["router"] == [("router", 4000)]
    for job in ("router", "apps"):
        for name, port in targets[job]:
            assert port in exposed.get(name, set()), f"{job}: {name}:{port} is not a service port"


def test_every_app_service_is_scraped() -> None:
    raw = yaml.safe_load(APPS.read_text())
    app_services = {
        name
        for name, service in raw["services"].items()
        if (service.get("command") or [])[2:3]
        and str(service["command"][2]).startswith("subgraphs.")
    }
    assert app_services
    assert app_services == {name for name, _ in _scrape_targets()["apps"]}


def _datasources() -> dict[str, str]:
    config = yaml.safe_load((GRAFANA / "provisioning/datasources/datasources.yml").read_text())
    return {source["uid"]: source["url"] for source in config["datasources"]}


def test_datasources_point_at_compose_services() -> None:
    services = yaml.safe_load(CORE.read_text())["services"]
    sources = _datasources()
    assert set(sources) == {"prometheus", "loki"}
    for url in sources.values():
        host = re.match(r"http://([\w-]+):\d+", url)
        assert host is not None and host.group(1) in services, url


def test_dashboard_provider_path_is_the_mounted_folder() -> None:
    provider = yaml.safe_load((GRAFANA / "provisioning/dashboards/dashboards.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    grafana = yaml.safe_load(CORE.read_text())["services"]["grafana"]
    assert f"./grafana/dashboards:{path}:ro" in grafana["volumes"]


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    panels = []
    for panel in dashboard["panels"]:
        panels.append(panel)
        panels += panel.get("panels", [])
    return panels


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboards_use_provisioned_datasources(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"] and dashboard["title"]
    uids = set(_datasources())
    for panel in _panels(dashboard):
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] in uids, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == panel["datasource"]["uid"], panel["title"]
            assert target["expr"].strip(), panel["title"]


def _router_metric_names() -> set[str]:
    metrics = RouterMetrics()
    metrics.requests.labels("Op", "success").inc()
    metrics.request_seconds.labels("Op").observe(0.01)
    metrics.observe_fetch("mates", "success", 0.01)
    metrics.plan_cache_hits.inc()
    metrics.plan_cache_misses.inc()
    metrics.observe_subscription("Op", "complete")
    families = text_string_to_metric_families(metrics.exposition().decode())
    return {sample.name for family in families for sample in family.samples}


def test_dashboard_metrics_exist_in_the_router_or_are_the_announced_ones() -> None:
    known = _router_metric_names() | FUTURE_METRICS | STANDARD_METRICS
    used: set[str] = set()
    for path in DASHBOARDS:
        for panel in _panels(json.loads(path.read_text())):
            if panel.get("datasource", {}).get("uid") != "prometheus":
                continue
            for target in panel["targets"]:
                used |= set(re.findall(r"\b(mateway_\w+|up)\b(?=[{\[)\s])", target["expr"]))
    assert used - known == set(), "dashboard queries metrics nobody emits"
    assert used >= FUTURE_METRICS
    assert {
        "mateway_router_request_duration_seconds_bucket",
        "mateway_router_requests_total",
        "mateway_router_subgraph_fetch_duration_seconds_bucket",
    } <= used


def test_docs_announce_the_business_metrics() -> None:
    docs = (ROOT / "docs" / "compose.md").read_text()
    for name in FUTURE_METRICS:
        assert name in docs


def test_loki_and_alloy_agree_on_the_push_address(compose: Compose) -> None:
    loki = yaml.safe_load((COMPOSE_DIR / "loki" / "loki.yml").read_text())
    alloy = (COMPOSE_DIR / "alloy" / "config.alloy").read_text()
    port = loki["server"]["http_listen_port"]
    assert f'url = "http://loki:{port}/loki/api/v1/push"' in alloy
    services = yaml.safe_load(CORE.read_text())["services"]
    assert "/var/run/docker.sock:/var/run/docker.sock:ro" in services["alloy"]["volumes"]
