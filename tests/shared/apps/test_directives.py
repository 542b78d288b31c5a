"""The kit's @auth and @credits: printed for composition, and a skill's taken from app.yml."""

from __future__ import annotations

import pytest
import strawberry

from shared.apps.directives import (
    Auth,
    Credits,
    admin_only,
    public,
    signed_in,
    skill_field_directives,
)
from shared.apps.skill_fields import SkillSchemaError
from shared.apps.skills import check_skill_directives
from shared.errors import MatewaySchema
from shared.identity import Role
from tests.shared.apps.fixtures.library.app import bundle as library


def _sdl(**fields: list[object]) -> str:
    annotations = {name: bool for name in fields}
    namespace = {
        name: strawberry.field(resolver=lambda: True, directives=directives)
        for name, directives in fields.items()
    }
    query = strawberry.type(type("Query", (), {"__annotations__": annotations, **namespace}))
    return MatewaySchema(query=query).as_str()


def test_directives_are_linked_for_composition() -> None:
    sdl = _sdl(a=[public()], b=[signed_in("x:read")], c=[admin_only(), Credits(cost=2)])
    assert '@link(url: "https://mateway.dev/auth/v1.0", import: ["@auth"])' in sdl
    assert '@link(url: "https://mateway.dev/credits/v1.0", import: ["@credits"])' in sdl
    assert '@composeDirective(name: "@auth")' in sdl
    assert "directive @auth(requires: Role! = USER, scopes: [String!]) on" in sdl
    assert "a: Boolean! @auth(requires: ANONYMOUS, scopes: [])" in sdl
    assert 'b: Boolean! @auth(requires: USER, scopes: ["x:read"])' in sdl
    assert "c: Boolean! @auth(requires: ADMIN, scopes: []) @credits(cost: 2)" in sdl
    assert "enum Role {\n  ANONYMOUS\n  USER\n  ADMIN\n}" in sdl


def test_skill_directives_come_from_app_yml_and_pass_the_check() -> None:
    search = skill_field_directives(library.manifest, "librarySearch")
    reindex = skill_field_directives(library.manifest, "libraryReindex")
    assert search == [Credits(cost=3), Auth(requires=Role.ANONYMOUS)]
    assert reindex == [Auth(requires=Role.ADMIN)]
    mutation_sdl = _sdl(librarySearch=list(search), libraryReindex=list(reindex)).replace(
        "type Query", "type Mutation"
    )
    assert "librarySearch: Boolean! @credits(cost: 3) @auth(requires: ANONYMOUS" in mutation_sdl
    check_skill_directives(library.manifest, mutation_sdl, "app.yml")  # agrees: no error
    wrong = mutation_sdl.replace("requires: ADMIN", "requires: USER")
    with pytest.raises(SkillSchemaError, match="libraryReindex carries @auth"):
        check_skill_directives(library.manifest, wrong, "app.yml")


def test_unknown_skill_field_is_named() -> None:
    with pytest.raises(KeyError, match="libraryFly"):
        skill_field_directives(library.manifest, "libraryFly")


def test_session_only_admits_sessions_and_no_api_key_can_be_given_its_scope() -> None:
    from router.plugins.auth.rules import Requirement
    from shared.apps.directives import SESSION_SCOPE, session_only
    from shared.auth.scopes import unknown_scopes
    from shared.identity import CallerKind, Identity

    directive = session_only()
    requirement = Requirement(directive.requires, frozenset(directive.scopes or ()))
    session = Identity(CallerKind.USER, Role.USER, user_id="u")
    key = Identity(CallerKind.API_KEY, Role.USER, user_id="u", scopes=frozenset({"chats:read"}))
    assert requirement.check(session) == "allowed"
    assert requirement.check(key) == "FORBIDDEN"
    # createApiKey refuses it, so a key holding it cannot exist.
    assert unknown_scopes([SESSION_SCOPE], installed_apps=["mates", "core"]) == [SESSION_SCOPE]
