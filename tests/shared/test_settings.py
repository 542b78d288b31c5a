"""Service settings: environment over .env over YAML over defaults; no secrets in YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict

from shared.settings import Environment, ServiceSettings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run in an empty folder (no .env) with no MATEWAY_ variables set."""
    monkeypatch.chdir(tmp_path)
    for name in ServiceSettings.model_fields:
        monkeypatch.delenv(f"MATEWAY_{name.upper()}", raising=False)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_describe_a_local_development_service() -> None:
    settings = ServiceSettings()
    assert settings.environment is Environment.DEVELOPMENT
    assert not settings.is_production
    assert settings.log_level == "INFO"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.directus_token is None
    assert settings.otlp_endpoint is None


def test_environment_variables_are_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATEWAY_ENVIRONMENT", "production")
    monkeypatch.setenv("MATEWAY_DIRECTUS_TOKEN", "s3cret")
    settings = ServiceSettings()
    assert settings.is_production
    assert settings.directus_token == SecretStr("s3cret")
    assert "s3cret" not in repr(settings)


def test_precedence_is_env_then_dotenv_then_yaml_then_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    yaml_file = write(
        tmp_path / "router.yaml",
        "service_name: from-yaml\nlog_level: DEBUG\nredis_url: redis://yaml:1/0\n"
        "otlp_endpoint: http://otel:4318\n",
    )
    write(tmp_path / ".env", "MATEWAY_LOG_LEVEL=WARNING\nMATEWAY_REDIS_URL=redis://dotenv:1/0\n")
    monkeypatch.setenv("MATEWAY_REDIS_URL", "redis://env:1/0")
    settings = ServiceSettings.load(yaml_file)
    assert settings.redis_url == "redis://env:1/0"
    assert settings.log_level == "WARNING"
    assert settings.service_name == "from-yaml"
    assert settings.otlp_endpoint == "http://otel:4318"
    assert settings.environment is Environment.DEVELOPMENT


def test_explicit_arguments_win_over_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATEWAY_SERVICE_NAME", "env")
    assert ServiceSettings.load(service_name="arg").service_name == "arg"


def test_a_secret_in_yaml_is_refused(tmp_path: Path) -> None:
    yaml_file = write(tmp_path / "core.yaml", "directus_token: leaked\n")
    with pytest.raises(ValueError, match="directus_token is a secret"):
        ServiceSettings.load(yaml_file)


def test_the_yaml_override_does_not_leak_into_later_loads(tmp_path: Path) -> None:
    ServiceSettings.load(write(tmp_path / "a.yaml", "service_name: a\n"))
    assert ServiceSettings().service_name == "mateway"


def test_invalid_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATEWAY_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="environment"):
        ServiceSettings()


class PdfSettings(ServiceSettings):
    """A service's own settings: extra fields, its YAML file from the class config."""

    model_config = SettingsConfigDict(yaml_file="pdf.yaml")

    service_name: str = "pdf"
    max_pages: int = 200
    ocr_api_key: SecretStr | None = None


def test_a_service_subclass_adds_fields_and_its_yaml_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(tmp_path / "pdf.yaml", "max_pages: 50\n")
    monkeypatch.setenv("MATEWAY_OCR_API_KEY", "k")
    settings = PdfSettings()
    assert settings.service_name == "pdf"
    assert settings.max_pages == 50
    assert settings.ocr_api_key == SecretStr("k")
    assert settings.redis_url == "redis://127.0.0.1:6379/0"


def test_subclass_secret_fields_are_also_refused_in_yaml(tmp_path: Path) -> None:
    write(tmp_path / "pdf.yaml", "ocr_api_key: leaked\n")
    with pytest.raises(ValueError, match="ocr_api_key is a secret"):
        PdfSettings()
