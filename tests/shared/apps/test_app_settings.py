"""App settings (environment over app.yml over defaults) and provider checks."""

from __future__ import annotations

import pytest

from shared.apps.app_settings import load_app_settings, provider_settings_schemas
from shared.apps.manifest import AppManifest, ManifestError, load_manifest
from tests.shared.apps.conftest import LIBRARY_DIR
from tests.shared.apps.fixtures.library.app import bundle as library
from tests.shared.apps.fixtures.library.settings import LibrarySettings

SOURCE = LIBRARY_DIR / "app.yml"
MODULE = "tests.shared.apps.fixtures.library.providers.local"


def manifest(**changes: object) -> AppManifest:
    return load_manifest(SOURCE).model_copy(update=changes)


def test_app_yml_settings_fill_fields_the_environment_leaves_unset() -> None:
    settings = load_app_settings(LibrarySettings, manifest(), SOURCE)
    assert settings.page_size == 20  # app.yml, over the class default of 50
    assert settings.index_path == "library.idx"  # class default
    assert settings.service_name == "library"  # the app's name


def test_environment_wins_over_app_yml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATEWAY_PAGE_SIZE", "5")
    monkeypatch.setenv("MATEWAY_SERVICE_NAME", "library-eu")
    settings = load_app_settings(LibrarySettings, manifest(), SOURCE)
    assert (settings.page_size, settings.service_name) == (5, "library-eu")


def test_bundle_carries_the_app_settings() -> None:
    assert isinstance(library.settings, LibrarySettings)
    assert library.settings.page_size == 20


def test_setting_unknown_to_the_settings_class_is_rejected() -> None:
    with pytest.raises(ManifestError, match=r"settings: \['colour'\] are not fields of Library"):
        load_app_settings(LibrarySettings, manifest(settings={"colour": "red"}), SOURCE)


def test_provider_settings_schemas_come_from_their_models() -> None:
    schemas = library.provider_settings
    assert list(schemas) == ["local"]  # remote declares no settings model
    assert schemas["local"]["properties"]["max_documents"]["default"] == 1000


def provider(**fields: str) -> AppManifest:
    base = load_manifest(SOURCE).model_dump()
    base["providers"] = [{"name": "local", **fields}]
    base["skills"] = []
    return AppManifest.model_validate(base)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"module": "tests.nowhere.local"}, r"providers \(local\): ModuleNotFoundError"),
        ({"module": MODULE, "settings": f"{MODULE}:Missing"}, r"providers \(local\): Attr"),
        ({"module": MODULE, "settings": "pathlib:Path"}, r"local\)\.settings: pathlib:Path is no"),
    ],
)
def test_broken_providers_are_named_with_the_file(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ManifestError, match=message) as raised:
        provider_settings_schemas(provider(**fields), SOURCE)
    assert str(raised.value).startswith(str(SOURCE))
