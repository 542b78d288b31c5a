"""The router config shipped for installs (router/router.yml) is valid and complete."""

from __future__ import annotations

from pathlib import Path

from router.config import RouterConfig

REPO = Path(__file__).resolve().parents[2]


def test_shipped_router_config_loads_with_every_protection_on() -> None:
    config = RouterConfig.load(REPO / "router" / "router.yml")
    assert config.mode == "production"
    assert config.graphiql_enabled is False
    sections = config.plugin_sections()
    for plugin in ("identity", "csrf", "rate_limit", "limits", "introspection", "credits", "auth"):
        assert plugin in sections, plugin
    order = list(sections)
    assert (order[0], order[-1]) == ("identity", "auth")


def test_shipped_config_names_a_manifest_that_exists() -> None:
    config = RouterConfig.load(REPO / "router" / "router.yml")
    manifest = config.plugins["persisted_documents"]["manifest"]
    assert (REPO / manifest).is_file()
