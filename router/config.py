"""The router's settings: environment (``MATEWAY_ROUTER_*``) over an optional YAML file.

Nothing else in the router reads ``os.environ``. Nested values use ``__`` in the
environment: ``MATEWAY_ROUTER_SUBGRAPHS__REVIEWS__TIMEOUT_SECONDS=2``. Each plugin
owns one section under ``plugins`` (``plugins: {rate_limits: {...}}``).

```yaml
mode: development
plan_cache_size: 2048
subgraphs:
  reviews: {timeout_seconds: 2}
override_labels: [percent(10)]
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

Mode = Literal["development", "production"]


class SubgraphSettings(BaseModel):
    """Per-subgraph overrides of the router defaults."""

    model_config = ConfigDict(extra="forbid")

    timeout_seconds: float | None = Field(default=None, gt=0)


class SubscriptionSettings(BaseModel):
    """Client-facing subscription protocol limits."""

    model_config = ConfigDict(extra="forbid")

    init_timeout_seconds: float = Field(default=10.0, gt=0)
    upstream_ack_timeout_seconds: float = Field(default=10.0, gt=0)
    sse_keepalive_seconds: float = Field(default=12.0, gt=0)
    max_operations_per_connection: int = Field(default=100, ge=1)


class UploadSettings(BaseModel):
    """GraphQL multipart uploads (router/http/multipart.py); ``enabled: false`` refuses them."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    max_file_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    max_total_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    max_files: int = Field(default=4, ge=1)


class RouterConfig(BaseSettings):
    """Everything the router can be told; defaults suit a local single-process install."""

    model_config = SettingsConfigDict(
        env_prefix="MATEWAY_ROUTER_", env_nested_delimiter="__", extra="forbid"
    )

    mode: Mode = "production"
    graphiql: bool | None = Field(
        default=None,
        description="serve GraphiQL at GET /graphql; default: in development mode only",
    )
    default_subgraph_timeout_seconds: float = Field(default=30.0, gt=0)
    subgraphs: dict[str, SubgraphSettings] = Field(default_factory=dict)
    health_timeout_seconds: float = Field(default=2.0, gt=0)
    health_checks: list[str] = Field(
        default_factory=list,
        description="'module:function' factories of named dependency checks for /health",
    )
    plan_cache_size: int = Field(default=1024, ge=1)
    document_cache_size: int = Field(default=1024, ge=1)
    max_body_bytes: int = Field(default=1_000_000, ge=1)
    override_labels: frozenset[str] = Field(
        default=frozenset(), description="progressive @override labels switched on"
    )
    subscriptions: SubscriptionSettings = Field(default_factory=SubscriptionSettings)
    uploads: UploadSettings = Field(default_factory=UploadSettings)
    plugins: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @property
    def development(self) -> bool:
        """True in development mode (query plans on request, unmasked errors)."""
        return self.mode == "development"

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL is served when asked for, or by default in development mode."""
        return self.development if self.graphiql is None else self.graphiql

    def plugin_sections(self) -> dict[str, dict[str, Any]]:
        """The plugins to install, in order: ``identity`` first, ``auth`` last, both on
        unless disabled.

        Every subgraph built with the app kit needs the internal token the identity plugin
        adds, and later plugins (authorization, rate limits) need ``ctx.identity``. ``auth``
        walks whole operations, so it comes after the limits that reject oversized ones.
        """
        # The introspection switch is always installed so production refuses introspection
        # unless a deployment enables it on purpose.
        sections = {
            "identity": self.plugins.get("identity") or {},
            "introspection": self.plugins.get("introspection") or {},
            **self.plugins,
        }
        sections.pop("auth", None)
        return {**sections, "auth": self.plugins.get("auth") or {}}

    def subgraph_timeout(self, name: str) -> float:
        """The request timeout for subgraph ``name``."""
        override = self.subgraphs.get(name)
        if override is not None and override.timeout_seconds is not None:
            return override.timeout_seconds
        return self.default_subgraph_timeout_seconds

    @classmethod
    def load(cls, yaml_file: Path | str | None = None, **overrides: Any) -> RouterConfig:
        """Settings from the environment over ``yaml_file`` (if any); ``overrides`` win."""
        if yaml_file is None:
            return cls(**overrides)
        if not Path(yaml_file).is_file():
            raise FileNotFoundError(f"router config file not found: {yaml_file}")
        config = SettingsConfigDict(**{**cls.model_config, "yaml_file": str(yaml_file)})
        with_file = type(cls.__name__, (cls,), {"model_config": config})
        loaded: RouterConfig = with_file(**overrides)
        return cls.model_validate(loaded.model_dump())

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init arguments, then the environment, then the YAML file (when one is set)."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if settings_cls.model_config.get("yaml_file"):
            sources.append(YamlConfigSettingsSource(settings_cls))
        return tuple(sources)
