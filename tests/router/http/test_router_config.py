"""RouterConfig: environment (MATEWAY_ROUTER_*) over the YAML file over defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from router.config import RouterConfig


def test_defaults_are_production_safe() -> None:
    config = RouterConfig()
    assert config.mode == "production"
    assert config.graphiql_enabled is False
    assert "introspection" in config.plugin_sections()
    assert config.subgraph_timeout("anything") == 30.0


def test_environment_wins_over_the_yaml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(
        "mode: development\n"
        "plan_cache_size: 7\n"
        "override_labels: [percent(10)]\n"
        "subgraphs:\n  reviews: {timeout_seconds: 2}\n"
        "plugins:\n  rate_limits: {per_minute: 60}\n"
    )
    monkeypatch.setenv("MATEWAY_ROUTER_PLAN_CACHE_SIZE", "9")
    monkeypatch.setenv("MATEWAY_ROUTER_SUBGRAPHS__ACCOUNTS__TIMEOUT_SECONDS", "3")
    config = RouterConfig.load(path)
    assert config.development
    assert config.plan_cache_size == 9
    assert config.override_labels == frozenset({"percent(10)"})
    assert config.subgraph_timeout("reviews") == 2.0
    assert config.subgraph_timeout("accounts") == 3.0
    assert config.plugins == {"rate_limits": {"per_minute": 60}}


def test_unknown_settings_and_bad_values_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text("mood: happy\n")
    with pytest.raises(ValidationError, match="mood"):
        RouterConfig.load(path)
    with pytest.raises(ValidationError, match="mode"):
        RouterConfig(mode="staging")  # type: ignore[arg-type]


def test_a_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.yaml"):
        RouterConfig.load(tmp_path / "nope.yaml")


def test_graphiql_defaults_to_on_in_development_and_can_be_forced() -> None:
    assert RouterConfig(mode="development").graphiql_enabled is True
    assert RouterConfig(mode="production", graphiql=True).graphiql_enabled is True
    assert RouterConfig(mode="development", graphiql=False).graphiql_enabled is False
