"""An app's settings: environment and `.env` first, then app.yml's `settings:`, then defaults.

Providers are checked here too: each `module` must import and each `settings` must name a
pydantic model, whose JSON Schema an admin UI can show.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_settings import DotEnvSettingsSource, EnvSettingsSource

from shared.apps.manifest import AppManifest, ManifestError, ProviderManifest
from shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def load_app_settings(cls: type[S], manifest: AppManifest, source: Path) -> S:
    """Build `cls` with app.yml's settings below the environment and `.env`.

    Values the environment or `.env` set win; app.yml fills the rest; `service_name` defaults
    to the app's name. A key app.yml sets that `cls` lacks is an error, not silently dropped.
    """
    unknown = sorted(set(manifest.settings) - set(cls.model_fields))
    if unknown:
        raise ManifestError(source, [f"settings: {unknown} are not fields of {cls.__name__}"])
    # Ask the environment and .env sources which fields they set: passing app.yml's values as
    # arguments would otherwise outrank them.
    from_environment = {**DotEnvSettingsSource(cls)(), **EnvSettingsSource(cls)()}
    defaults: dict[str, Any] = {"service_name": manifest.name, **manifest.settings}
    values = {k: v for k, v in defaults.items() if k not in from_environment}
    return cls(**values)


def _import(reference: str) -> Any:
    module_name, colon, attribute = reference.partition(":")
    if not colon:
        module_name, _, attribute = reference.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def provider_settings_model(provider: ProviderManifest, source: Path) -> type[BaseModel] | None:
    """Import the provider's module and its settings model; errors name the file and provider."""
    where = f"providers ({provider.name})"
    try:
        importlib.import_module(provider.module)
        model = _import(provider.settings) if provider.settings else None
    except (ImportError, AttributeError) as error:
        raise ManifestError(source, [f"{where}: {type(error).__name__}: {error}"]) from error
    if model is not None and not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ManifestError(source, [f"{where}.settings: {provider.settings} is no pydantic model"])
    return model


def provider_settings_schemas(manifest: AppManifest, source: Path) -> dict[str, dict[str, Any]]:
    """The JSON Schema of each provider's settings model (providers without one are left out)."""
    schemas = {}
    for provider in manifest.providers:
        model = provider_settings_model(provider, source)
        if model is not None:
            schemas[provider.name] = model.model_json_schema()
    return schemas
