"""The stack's service list and each service's environment, from the settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.platform.health import platform_checks
from shared.platform.secrets import ensure_secrets
from shared.platform.services import command, environment, services
from shared.platform.settings import PlatformSettings


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PlatformSettings:
    """Settings for a stack in tmp_path, whatever the caller's environment says."""
    monkeypatch.delenv("MATEWAY_REDIS_URL", raising=False)
    monkeypatch.setenv("MATEWAY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MATEWAY_VALKEY_PORT", "16400")
    return PlatformSettings()


def test_services_start_in_order_with_valkey_first(settings: PlatformSettings) -> None:
    assert [s.name for s in services(settings)] == ["valkey", "directus", "worker", "router"]
    assert settings.stack_redis_url == "redis://127.0.0.1:16400/0"


def test_an_existing_redis_replaces_valkey_and_is_checked_as_redis(
    settings: PlatformSettings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MATEWAY_REDIS_URL", "redis://10.0.0.9:6379/2")
    external = PlatformSettings()
    assert [s.name for s in services(external)] == ["directus", "worker", "router"]
    env = environment("router", external, external.paths(tmp_path))
    assert env["MATEWAY_REDIS_URL"] == "redis://10.0.0.9:6379/2"
    assert env["MATEWAY_REDIS_LABEL"] == "redis"
    monkeypatch.setenv("MATEWAY_REDIS_LABEL", "redis")
    assert set(platform_checks()) == {"redis", "celery-worker", "directus"}


def test_services_get_the_secrets_the_urls_and_the_directus_token(
    settings: PlatformSettings, tmp_path: Path
) -> None:
    paths = settings.paths(tmp_path)
    secrets = ensure_secrets(paths.secrets)
    paths.directus.mkdir(parents=True)
    (paths.directus / "secrets.json").write_text(json.dumps({"platform_token": "tok"}))
    router = environment("router", settings, paths)
    worker = environment("worker", settings, paths)
    assert router["MATEWAY_INVITE_HASH_KEY"] == secrets["MATEWAY_INVITE_HASH_KEY"]
    assert router["MATEWAY_DIRECTUS_TOKEN"] == worker["MATEWAY_DIRECTUS_TOKEN"] == "tok"
    assert router["MATEWAY_DIRECTUS_URL"] == "http://127.0.0.1:8055"
    assert router["MATEWAY_ROUTER_HEALTH_CHECKS"] == '["shared.platform.health:platform_checks"]'
    assert "MATEWAY_ROUTER_HEALTH_CHECKS" not in worker
    assert worker["MATEWAY_SERVICE_NAME"] == "mateway-worker"


def test_the_worker_runs_the_platform_celery_app(
    settings: PlatformSettings, tmp_path: Path
) -> None:
    argv = command("worker", settings, settings.paths(tmp_path))
    assert argv[1:6] == ["-m", "celery", "-A", "shared.platform.worker:app", "--quiet"]
    assert "--concurrency" in argv
    with pytest.raises(ValueError, match="unknown service"):
        command("nginx", settings, settings.paths(tmp_path))
