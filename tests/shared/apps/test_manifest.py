"""app.yml validation: errors name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.apps.manifest import AppManifest, ManifestError, Role, load_manifest
from tests.shared.apps.conftest import LIBRARY_DIR

SKILL = "{name: search, description: Find things., cost: 1, role: user}"


def write(tmp_path: Path, text: str, folder: str = "web") -> Path:
    path = tmp_path / folder / "app.yml"
    path.parent.mkdir()
    path.write_text(text)
    return path


def manifest_text(name: str = "web", skill: str = SKILL, extra: str = "") -> str:
    return (
        f"name: {name}\ndescription: Search the web.\nversion: 1.0.0\nskills:\n  - {skill}\n{extra}"
    )


def test_library_manifest_loads_with_skills_providers_and_settings() -> None:
    manifest = load_manifest(LIBRARY_DIR)
    assert manifest.name == "library"
    assert manifest.version == "1.4.0-rc.1"
    assert [skill.name for skill in manifest.skills] == ["search", "summarize", "reindex"]
    assert manifest.skill("reindex").role is Role.ADMIN
    assert manifest.skill("search").providers == ("local", "remote")
    assert manifest.settings == {"page_size": 20}
    assert list(manifest.skill_fields()) == ["librarySearch", "librarySummarize", "libraryReindex"]


def test_valid_manifest_in_its_folder_loads(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, manifest_text()))
    assert manifest.skill("search").cost == 1


@pytest.mark.parametrize("name", ["Web", "web-search", "web_search", "w", "9web"])
def test_bad_slug_is_rejected_naming_the_file_and_field(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, manifest_text(name=name))
    with pytest.raises(ManifestError) as raised:
        load_manifest(path)
    assert str(raised.value).startswith(f"{path}: name: String should match pattern")


def test_negative_cost_is_rejected_naming_the_skill(tmp_path: Path) -> None:
    path = write(tmp_path, manifest_text(skill="{name: search, description: d, cost: -1}"))
    with pytest.raises(ManifestError, match=r"skills\[0\] \(search\)\.cost: .*greater than or"):
        load_manifest(path)


def test_unknown_role_is_rejected_listing_the_roles(tmp_path: Path) -> None:
    skill = "{name: search, description: d, cost: 1, role: owner}"
    path = write(tmp_path, manifest_text(skill=skill))
    with pytest.raises(ManifestError) as raised:
        load_manifest(path)
    message = str(raised.value)
    assert "skills[0] (search).role:" in message
    assert "'anonymous', 'user' or 'admin'" in message


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, manifest_text(skill="{name: search, description: d, cost: 1, price: 2}"))
    with pytest.raises(ManifestError, match=r"skills\[0\] \(search\)\.price: Extra inputs"):
        load_manifest(path)


def test_version_must_be_semver(tmp_path: Path) -> None:
    path = write(tmp_path, manifest_text().replace("1.0.0", "'1.0'"))
    with pytest.raises(ManifestError, match="version: String should match pattern"):
        load_manifest(path)
    path.write_text(manifest_text().replace("1.0.0", "1.0"))
    with pytest.raises(ManifestError, match=r"version: 1\.0 is a number: write a semver string"):
        load_manifest(path)


def test_skill_naming_an_undeclared_provider_is_rejected(tmp_path: Path) -> None:
    skill = "{name: search, description: d, cost: 1, providers: [brave]}"
    extra = "providers:\n  - {name: searx, module: subgraphs.web.providers.searx}\n"
    path = write(tmp_path, manifest_text(skill=skill, extra=extra))
    with pytest.raises(ManifestError, match=r"providers \['brave'\] that are not declared"):
        load_manifest(path)


def test_duplicate_skill_names_are_rejected(tmp_path: Path) -> None:
    text = manifest_text() + f"  - {SKILL}\n"
    with pytest.raises(ManifestError, match=r"duplicate skill names \['search'\]"):
        load_manifest(write(tmp_path, text))


def test_secret_looking_settings_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, manifest_text(extra="settings:\n  api_key: abc\n  timeout: 3\n"))
    with pytest.raises(ManifestError, match=r"settings: \['api_key'\] look like secrets"):
        load_manifest(path)


def test_name_must_match_the_folder(tmp_path: Path) -> None:
    path = write(tmp_path, manifest_text(name="pdf"))
    with pytest.raises(ManifestError, match="'pdf' differs from its folder name 'web'"):
        load_manifest(path)


def test_missing_file_and_bad_yaml_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"web/app.yml: no such file"):
        load_manifest(tmp_path / "web" / "app.yml")
    path = write(tmp_path, "name: [web\n")
    with pytest.raises(ManifestError, match="invalid YAML"):
        load_manifest(path)
    path.write_text("- web\n")
    with pytest.raises(ManifestError, match="must hold a mapping"):
        load_manifest(path)


def test_role_order_lets_higher_roles_run_lower_skills() -> None:
    assert Role.ADMIN.allows(Role.USER)
    assert Role.USER.allows(Role.ANONYMOUS)
    assert not Role.ANONYMOUS.allows(Role.USER)
    assert not Role.USER.allows(Role.ADMIN)


def test_skill_field_name_joins_app_and_capitalised_skill() -> None:
    manifest = AppManifest.model_validate(
        {
            "name": "pdf",
            "description": "d",
            "version": "0.1.0",
            "skills": [{"name": "extractText", "description": "d", "cost": 0}],
        }
    )
    assert list(manifest.skill_fields()) == ["pdfExtractText"]
