"""Service settings: environment variables, `.env`, and a YAML file for non-secret config.

Every service subclasses `ServiceSettings`; nothing else in the code base reads `os.environ`.
Precedence, highest first: explicit arguments, environment, `.env`, YAML, field defaults.
"""

from __future__ import annotations

import types
import typing
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# A YAML path chosen at load time (e.g. from a CLI flag) without mutating the class config.
_yaml_override: ContextVar[Path | None] = ContextVar("mateway_yaml_override", default=None)


class Environment(StrEnum):
    """Where a service runs; production tightens defaults elsewhere in the kit."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


def _is_secret(field: FieldInfo) -> bool:
    """Tell whether a field holds a secret (SecretStr, possibly optional)."""
    annotation = field.annotation
    if annotation is SecretStr:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return SecretStr in typing.get_args(annotation)
    return False


class NonSecretYamlSource(YamlConfigSettingsSource):
    """YAML settings source that refuses secret fields, so secrets never land in config files."""

    def __call__(self) -> dict[str, Any]:
        """Return the YAML values after checking that none of them is a secret."""
        data = super().__call__()
        for name, field in self.settings_cls.model_fields.items():
            keys = {name, field.alias} if field.alias else {name}
            if _is_secret(field) and keys & data.keys():
                raise ValueError(
                    f"{name} is a secret: set it in the environment or .env, not in "
                    f"{self.yaml_file_path}"
                )
        return data


class ServiceSettings(BaseSettings):
    """Settings every Mateway service has; subclass per service and add its own fields."""

    model_config = SettingsConfigDict(
        env_prefix="MATEWAY_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
        yaml_file=None,
    )

    service_name: str = "mateway"
    environment: Environment = Environment.DEVELOPMENT
    log_level: LogLevel = "INFO"
    log_dir: Path | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    directus_url: str = "http://127.0.0.1:8055"
    directus_token: SecretStr | None = None
    # MATEWAY_SIGNING_KEY: every token key is derived from it (shared.auth.keys).
    signing_key: SecretStr | None = None
    otlp_endpoint: str | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Add the YAML source below the environment and `.env`."""
        override = _yaml_override.get()
        yaml_source = (
            NonSecretYamlSource(settings_cls, yaml_file=override)
            if override is not None
            else NonSecretYamlSource(settings_cls)
        )
        return (init_settings, env_settings, dotenv_settings, yaml_source, file_secret_settings)

    @classmethod
    def load(cls, yaml_file: Path | str | None = None, **overrides: Any) -> Self:
        """Build the settings, reading non-secret config from `yaml_file` when given."""
        token = _yaml_override.set(Path(yaml_file) if yaml_file is not None else None)
        try:
            return cls(**overrides)
        finally:
            _yaml_override.reset(token)

    @property
    def is_production(self) -> bool:
        """True when running in production."""
        return self.environment is Environment.PRODUCTION
