"""Mateway's schema directives, defined once for every subgraph: `@auth` and `@credits`.

```python
from shared.apps.directives import Auth, public

@strawberry.type(directives=[Auth(requires=Role.USER)])   # every field of the type
class Chat: ...

@strawberry.field(directives=[public()])                   # one field, on purpose public
def builtin_mates(self) -> list[Mate]: ...
```

Both are linked with `@composeDirective` under Mateway's own spec URLs, so composition keeps
them in the supergraph, where the router's `auth` (and later `credits`) plugin reads them.
The router denies fields without `@auth` by default: a public field says so explicitly.
A skill's role and cost come from app.yml through `skill_field_directives`.
"""

from __future__ import annotations

import strawberry
from strawberry.federation.schema_directive import Location, schema_directive

from shared.apps.manifest import AppManifest
from shared.apps.skills import DirectiveUse, skill_directives
from shared.identity import Role

AUTH_SPEC_URL = "https://mateway.dev/auth/v1.0"
# A scope no API key can be given (it is not in shared.auth.scopes.PLATFORM_SCOPES), while a
# signed-in session holds every scope: requiring it admits sessions and refuses API keys.
SESSION_SCOPE = "session"
CREDITS_SPEC_URL = "https://mateway.dev/credits/v1.0"

# The GraphQL enum `Role { ANONYMOUS USER ADMIN }`: the names of shared.identity.Role.
RoleEnum = strawberry.enum(Role, name="Role", description="Platform roles, least privilege first.")


@schema_directive(
    locations=[Location.FIELD_DEFINITION, Location.OBJECT, Location.INTERFACE],
    name="auth",
    description=(
        "Who may select this field (or every field of this type): at least role `requires`, "
        "and for API keys every scope in `scopes`. Checked by the router before any subgraph "
        "is called."
    ),
    compose=True,
    import_url=AUTH_SPEC_URL,
)
class Auth:
    requires: Role = Role.USER
    # Nullable so hand-written SDL may leave it out (Strawberry cannot print `= []`).
    scopes: list[str] | None = strawberry.field(default_factory=list)


@schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="credits",
    description="Credits one call costs; reserved by the router before the field runs.",
    compose=True,
    import_url=CREDITS_SPEC_URL,
)
class Credits:
    cost: int


def public() -> Auth:
    """`@auth(requires: ANONYMOUS)`: anyone may select the field, on purpose."""
    return Auth(requires=Role.ANONYMOUS)


def signed_in(*scopes: str) -> Auth:
    """`@auth(requires: USER, scopes: [...])`: signed-in users, API keys with the scopes."""
    return Auth(requires=Role.USER, scopes=list(scopes))


def session_only() -> Auth:
    """`@auth(requires: USER, scopes: ["session"])`: signed-in sessions, never API keys."""
    return Auth(requires=Role.USER, scopes=[SESSION_SCOPE])


def admin_only() -> Auth:
    """`@auth(requires: ADMIN)`: platform admins only."""
    return Auth(requires=Role.ADMIN)


def directive_of(use: DirectiveUse) -> Auth | Credits:
    """The Strawberry directive instance of a `skill_directives` entry."""
    arguments = dict(use.arguments)
    if use.name == "auth":
        return Auth(requires=Role[arguments["requires"]])
    if use.name == "credits":
        return Credits(cost=int(arguments["cost"]))
    raise ValueError(f"unknown Mateway directive @{use.name}")


def skill_field_directives(manifest: AppManifest, field_name: str) -> list[Auth | Credits]:
    """The `@auth`/`@credits` a skill field carries, from its app.yml role and cost.

    Use it on the skill's mutation: `@strawberry.mutation(directives=
    skill_field_directives(MANIFEST, "pdfExtract"))`; `create_app` checks they agree.
    """
    uses = skill_directives(manifest).get(field_name)
    if uses is None:
        raise KeyError(f"{field_name} is not a skill field of app {manifest.name!r}")
    return [directive_of(use) for use in uses]
