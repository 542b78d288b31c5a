"""The skill registry and the check of app.yml's skills against the app's schema."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from shared.apps.factory import create_app
from shared.apps.manifest import AppManifest, Role
from shared.apps.skill_fields import SkillSchemaError
from shared.apps.skills import (
    SkillRegistry,
    app_skills,
    registry_from_apps,
    registry_from_modules,
    skill_directives,
)
from tests.shared.apps.conftest import LIBRARY_DIR, LIBRARY_YML
from tests.shared.apps.fixtures.library.app import bundle as library

PACKAGE = "tests.shared.apps.fixtures.library"
SOURCE = LIBRARY_DIR / "app.yml"

MakeApp = Callable[[str, str], Path]

SCHEMA = """
import strawberry
from shared.errors import MatewaySchema

@strawberry.input
class GoInput:
    where: str

@strawberry.type
class Query:
    ok: bool = True

@strawberry.type
class Mutation:
    @strawberry.mutation
    def {mutation}(self, {args}) -> bool:
        return True

schema = MatewaySchema(query=Query, mutation=Mutation)
"""

MANIFEST = """
name: "{name}"
description: A test app.
version: 0.1.0
skills:
  - {skill}
"""


def library_manifest(edit: Callable[[dict[str, object]], None]) -> AppManifest:
    data = yaml.safe_load(LIBRARY_YML)
    edit(data)
    return AppManifest.model_validate(data)


def test_registry_lists_each_skill_with_field_cost_role_and_input() -> None:
    registry = SkillRegistry.from_bundles([library])
    assert [skill.field_name for skill in registry] == [
        "librarySearch",
        "librarySummarize",
        "libraryReindex",
    ]
    search = registry.get("librarySearch")
    assert search is not None
    assert (search.app, search.name, search.operation) == ("library", "search", "mutation")
    assert (search.cost, search.role, search.input_type) == (3, Role.ANONYMOUS, "SearchInput")
    assert search.description == "Find documents matching a query."
    summarize = registry.get("librarySummarize")
    assert summarize is not None and summarize.operation == "subscription"
    assert registry.get("createShelf") is None  # a root field not named like a skill
    assert "libraryReindex" in registry and len(registry) == 3


def test_anonymous_callers_never_see_admin_or_user_skills() -> None:
    registry = SkillRegistry.from_bundles([library])
    assert [s.name for s in registry.visible_to(Role.ANONYMOUS)] == ["search"]
    assert [s.name for s in registry.visible_to(Role.USER)] == ["search", "summarize"]
    assert len(registry.visible_to(Role.ADMIN)) == 3
    assert [entry["field"] for entry in registry.as_list(Role.ANONYMOUS)] == ["librarySearch"]
    entry = registry.as_list()[0]
    assert entry["role"] == "anonymous" and entry["input_schema"]["title"] == "SearchInput"


def test_two_apps_declaring_the_same_skill_field_are_rejected() -> None:
    (skill, *_) = library.skills
    with pytest.raises(
        ValueError, match="librarySearch is declared by apps 'library' and 'library'"
    ):
        SkillRegistry([skill, skill])


def test_skill_directives_carry_cost_where_charged_and_role_always() -> None:
    directives = skill_directives(library.manifest)
    assert [use.sdl() for use in directives["librarySearch"]] == [
        "@credits(cost: 3)",
        "@auth(requires: ANONYMOUS, scopes: [])",
    ]
    assert [use.sdl() for use in directives["librarySummarize"]] == [
        "@credits(cost: 10)",
        "@auth(requires: USER, scopes: [])",
    ]
    assert [use.sdl() for use in directives["libraryReindex"]] == [
        "@auth(requires: ADMIN, scopes: [])"
    ]


def test_skill_without_schema_field_names_the_skill_file_and_field() -> None:
    def add_skill(data: dict[str, object]) -> None:
        skills = data["skills"]
        assert isinstance(skills, list)
        skills.append({"name": "translate", "description": "d", "cost": 1})

    with pytest.raises(SkillSchemaError) as raised:
        app_skills(library_manifest(add_skill), library.schema._schema, PACKAGE, SOURCE)
    assert str(raised.value) == (
        f"skill 'translate' in {SOURCE} has no Mutation or Subscription field "
        f"libraryTranslate in {PACKAGE}.schema"
    )


def test_schema_field_without_manifest_entry_names_the_field_and_file() -> None:
    def drop_reindex(data: dict[str, object]) -> None:
        skills = data["skills"]
        assert isinstance(skills, list)
        del skills[2]

    with pytest.raises(SkillSchemaError) as raised:
        app_skills(library_manifest(drop_reindex), library.schema._schema, PACKAGE, SOURCE)
    assert str(raised.value) == (
        f"Mutation field libraryReindex in {PACKAGE}.schema is named like a skill of 'library' "
        f"but {SOURCE} declares no skill 'reindex'"
    )


def test_declared_input_differing_from_the_field_argument_is_rejected() -> None:
    def wrong_input(data: dict[str, object]) -> None:
        skills = data["skills"]
        assert isinstance(skills, list)
        skills[1]["input"] = f"{PACKAGE}.skills.search:SearchFilters"

    with pytest.raises(SkillSchemaError, match="input type is SearchFilters but the field's"):
        app_skills(library_manifest(wrong_input), library.schema._schema, PACKAGE, SOURCE)


def test_create_app_fails_on_a_skill_missing_from_the_schema(make_app: MakeApp) -> None:
    skill = "{name: fly, description: d, cost: 0}"
    folder = make_app(
        MANIFEST.format(name="{name}", skill=skill),
        SCHEMA.format(mutation="go", args="input: GoInput"),
    )
    with pytest.raises(SkillSchemaError, match=rf"skill 'fly' in {folder}/app.yml has no"):
        create_app(folder)


def test_create_app_accepts_a_skill_whose_input_comes_from_the_field(make_app: MakeApp) -> None:
    folder = make_app(
        MANIFEST.format(name="{name}", skill="{name: go, description: d, cost: 2}"),
        SCHEMA.format(mutation="{name}_go", args="input: GoInput"),
    )
    (skill,) = create_app(folder).skills
    assert (skill.field_name, skill.input_type, skill.cost) == (f"{folder.name}Go", "GoInput", 2)
    assert skill.input_schema["required"] == ["where"]


def test_skill_field_with_other_arguments_is_rejected(make_app: MakeApp) -> None:
    folder = make_app(
        MANIFEST.format(name="{name}", skill="{name: go, description: d, cost: 0}"),
        SCHEMA.format(mutation="{name}_go", args="where: str, speed: int"),
    )
    with pytest.raises(
        SkillSchemaError, match=r"Go\(where, speed\) must take one argument `input`"
    ):
        create_app(folder)


def test_schema_that_is_not_a_mateway_schema_is_rejected(make_app: MakeApp) -> None:
    source = "import strawberry\n\n@strawberry.type\nclass Query:\n    ok: bool = True\n\n"
    source += "schema = strawberry.federation.Schema(query=Query)\n"
    folder = make_app(
        MANIFEST.format(name="{name}", skill="{name: go, description: d, cost: 0}"), source
    )
    with pytest.raises(TypeError, match=r"schema.schema must be a shared.errors.MatewaySchema"):
        create_app(folder)


def test_registry_from_supergraph_modules_reads_apps_built_by_the_kit() -> None:
    registry = registry_from_modules(
        ["tests.shared.apps.fixtures.library.app:app", "subgraphs.mates.app:app"]
    )
    assert [skill.field_name for skill in registry.of_app("library")] == [
        "librarySearch",
        "librarySummarize",
        "libraryReindex",
    ]
    assert registry.of_app("mates") == []


def test_registry_from_apps_discovers_the_app_folders() -> None:
    registry = registry_from_apps(LIBRARY_DIR.parent, enabled=["library"])
    assert len(registry) == 3


DIRECTIVE_SCHEMA = """
import strawberry
from strawberry.schema_directive import Location
from shared.errors import MatewaySchema

@strawberry.schema_directive(locations=[Location.FIELD_DEFINITION], name="credits")
class Credits:
    cost: int

@strawberry.type
class Query:
    ok: bool = True

@strawberry.type
class Mutation:
    @strawberry.mutation(directives=[Credits(cost=COST)])
    def {name}_go(self) -> bool:
        return True

schema = MatewaySchema(query=Query, mutation=Mutation)
"""


def test_directive_agreeing_with_app_yml_is_accepted(make_app: MakeApp) -> None:
    skill = "{name: go, description: d, cost: 4, role: anonymous}"
    folder = make_app(
        MANIFEST.format(name="{name}", skill=skill), DIRECTIVE_SCHEMA.replace("COST", "4")
    )
    (built,) = create_app(folder).skills
    assert built.cost == 4


def test_directive_differing_from_app_yml_names_both(make_app: MakeApp) -> None:
    skill = "{name: go, description: d, cost: 4, role: anonymous}"
    folder = make_app(
        MANIFEST.format(name="{name}", skill=skill), DIRECTIVE_SCHEMA.replace("COST", "9")
    )
    with pytest.raises(SkillSchemaError) as raised:
        create_app(folder)
    assert str(raised.value) == (
        f"field {folder.name}Go carries @credits(cost: 9) but {folder}/app.yml declares "
        "@credits(cost: 4)"
    )


def go_app(make_app: MakeApp, skill: str = "{name: go, description: d, cost: 0}") -> Path:
    return make_app(
        MANIFEST.format(name="{name}", skill=skill),
        SCHEMA.format(mutation="{name}_go", args="input: GoInput"),
    )


def test_skill_module_with_several_unnamed_inputs_asks_to_name_one(make_app: MakeApp) -> None:
    folder = go_app(make_app)
    (folder / "skills").mkdir()
    (folder / "skills" / "__init__.py").write_text("")
    (folder / "skills" / "go.py").write_text(
        "import strawberry\n\n@strawberry.input\nclass Where:\n    place: str\n\n"
        "@strawberry.input\nclass When:\n    hour: int\n"
    )
    with pytest.raises(SkillSchemaError) as raised:
        create_app(folder)
    message = str(raised.value)
    assert message.startswith(f"{folder}/app.yml skill 'go' / mutation field {folder.name}Go: ")
    assert f"several input types in {folder.name}.skills.go (When, Where), none named " in message


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("pathlib:Path", "input pathlib:Path is not a Strawberry input type"),
        ("nowhere.at.all:GoInput", "No module named 'nowhere'"),
        ("{name}.schema:Missing", "has no attribute 'Missing'"),
    ],
)
def test_declared_input_that_is_no_input_type_is_named(
    make_app: MakeApp, reference: str, message: str
) -> None:
    skill = "{name: go, description: d, cost: 0, input: 'REFERENCE'}"
    folder = go_app(make_app, skill.replace("REFERENCE", reference))
    with pytest.raises(SkillSchemaError, match=message):
        create_app(folder)


def test_declared_input_matching_the_field_is_accepted(make_app: MakeApp) -> None:
    folder = go_app(make_app, "{name: go, description: d, cost: 0, input: '{name}.schema:GoInput'}")
    (skill,) = create_app(folder).skills
    assert skill.input_type == "GoInput"
