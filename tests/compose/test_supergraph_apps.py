"""compose/supergraph.apps.yaml: the supergraph.yaml of compose mode with apps as services."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import yaml

from router.supergraph_config import SupergraphConfig
from tests.compose.conftest import APPS, COMPOSE_DIR, ROOT

APPS_CONFIG = SupergraphConfig.load(COMPOSE_DIR / "supergraph.apps.yaml")
LOCAL_CONFIG = SupergraphConfig.load(ROOT / "supergraph" / "supergraph.yaml")


def test_compose_mode_has_the_same_subgraphs_as_local_mode() -> None:
    assert set(APPS_CONFIG.subgraphs) == set(LOCAL_CONFIG.subgraphs), (
        "list every subgraph of supergraph/supergraph.yaml in compose/supergraph.apps.yaml "
        "(url: for an app service, else the same module:)"
    )


def test_in_process_entries_match_local_mode() -> None:
    for name, entry in APPS_CONFIG.subgraphs.items():
        if entry.module is not None:
            assert entry.module == LOCAL_CONFIG.subgraphs[name].module, name


def test_every_url_is_an_app_service_serving_that_app() -> None:
    services = yaml.safe_load(APPS.read_text())["services"]
    urls = {name: e.url for name, e in APPS_CONFIG.subgraphs.items() if e.url is not None}
    assert urls, "compose mode should run at least one app as its own service"
    for name, url in urls.items():
        parsed = urlparse(url)
        assert parsed.hostname in services, f"{name}: no service {parsed.hostname}"
        service = services[parsed.hostname]
        port = str(parsed.port)
        assert port in service["expose"], name
        assert service["command"] == [
            "python", "-m", f"subgraphs.{name}", "--host", "0.0.0.0", "--port", port,
        ]  # fmt: skip
        assert (ROOT / "subgraphs" / name / "__main__.py").is_file(), name
        assert parsed.path == "/graphql"


def test_the_image_carries_the_compose_supergraph_config() -> None:
    dockerfile = (COMPOSE_DIR / "Dockerfile").read_text()
    assert "COPY compose/supergraph.apps.yaml compose/supergraph.apps.yaml" in dockerfile
    assert Path(COMPOSE_DIR / "supergraph.apps.yaml").is_file()
