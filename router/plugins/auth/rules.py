"""What each field demands: `@auth(requires:, scopes:)` read from the supergraph once.

A field's requirement is the strictest of its own `@auth`, its parent type's `@auth`
and the `@auth` of the object or interface type it returns. A field with neither its own
nor its parent type's `@auth` gets the configured default (deny, unless configured
otherwise), so a new field is closed until someone marks it public on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListValueNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    StringValueNode,
    parse,
)

from router.plugins._directives import linked_directive_name
from shared.identity import Identity, Role

AUTH_SPEC_PREFIX = "https://mateway.dev/auth/"
Outcome = Literal["allowed", "UNAUTHENTICATED", "FORBIDDEN"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """A role (or nobody, when `deny`) and scopes every API key must hold."""

    role: Role = Role.ANONYMOUS
    scopes: frozenset[str] = frozenset()
    deny: bool = False

    def __and__(self, other: Requirement) -> Requirement:
        """Both requirements at once: the higher role, all scopes, deny if either denies."""
        role = self.role if self.role.rank >= other.role.rank else other.role
        return Requirement(role, self.scopes | other.scopes, self.deny or other.deny)

    def check(self, identity: Identity) -> Outcome:
        """Whether `identity` may select a field with this requirement, else the error code."""
        allowed = (
            not self.deny and identity.role.allows(self.role) and identity.has_scopes(self.scopes)
        )
        if allowed:
            return "allowed"
        return "FORBIDDEN" if identity.is_authenticated else "UNAUTHENTICATED"

    def describe(self) -> str:
        """Human-readable, for tests and the matrix's messages."""
        if self.deny:
            return "nobody (no @auth)"
        scopes = f" with scopes {sorted(self.scopes)}" if self.scopes else ""
        return f"{self.role.name}{scopes}"


OPEN = Requirement()
DENY = Requirement(deny=True)


def default_requirement(policy: str) -> Requirement:
    """The requirement of fields without @auth: 'deny' or a role name (anonymous, user, admin)."""
    if policy == "deny":
        return DENY
    try:
        return Requirement(Role(policy.lower()))
    except ValueError:
        raise ValueError(
            f"plugins.auth.default must be 'deny' or one of {[r.value for r in Role]}, "
            f"got {policy!r}"
        ) from None


def _auth_link(document: DocumentNode) -> str | None:
    """The local name of Mateway's @auth (an `@link` import may rename it); None if unlinked."""
    return linked_directive_name(document, AUTH_SPEC_PREFIX, "auth")


def _requirement(directives: tuple[DirectiveNode, ...], name: str) -> Requirement | None:
    found: Requirement | None = None
    for directive in directives:
        if directive.name.value != name:
            continue
        args = {a.name.value: a.value for a in directive.arguments or ()}
        role_node = args.get("requires")
        role = Role[role_node.value] if isinstance(role_node, EnumValueNode) else Role.USER
        scopes_node = args.get("scopes")
        scopes = frozenset(
            v.value
            for v in (scopes_node.values if isinstance(scopes_node, ListValueNode) else ())
            if isinstance(v, StringValueNode)
        )
        this = Requirement(role, scopes)
        # Composition may keep one application per subgraph: all of them must hold.
        found = this if found is None else found & this
    return found


_TYPES = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
)


class AuthRules:
    """Per type and field, the `@auth` the supergraph declares."""

    def __init__(self, document: DocumentNode, default: Requirement = DENY) -> None:
        self.default = default
        self.types: dict[str, Requirement] = {}
        self.fields: dict[tuple[str, str], Requirement] = {}
        linked = _auth_link(document)
        self.linked = linked is not None  # False: no subgraph uses Mateway's @auth
        name = linked or "auth"
        for definition in document.definitions:
            if not isinstance(definition, _TYPES):
                continue
            type_name = definition.name.value
            type_requirement = _requirement(definition.directives or (), name)
            if type_requirement is not None:
                known = self.types.get(type_name)
                self.types[type_name] = (
                    type_requirement if known is None else known & type_requirement
                )
            for field_node in definition.fields or ():
                field_requirement = _requirement(field_node.directives or (), name)
                if field_requirement is not None:
                    self.fields[(type_name, field_node.name.value)] = field_requirement

    @classmethod
    def from_sdl(cls, supergraph_sdl: str, default: Requirement = DENY) -> AuthRules:
        """The rules of a supergraph SDL."""
        return cls(parse(supergraph_sdl, no_location=True), default)

    def is_marked(self, type_name: str, field_name: str) -> bool:
        """Whether the field or its type carries @auth (else the default applies)."""
        return (type_name, field_name) in self.fields or type_name in self.types

    def declared(self, type_name: str, field_name: str) -> Requirement:
        """The field's own and its parent type's @auth, or the default when neither exists."""
        own = self.fields.get((type_name, field_name))
        parent = self.types.get(type_name)
        if own is None and parent is None:
            return self.default
        return (own or OPEN) & (parent or OPEN)

    def field(self, type_name: str, field_name: str, return_type: str | None) -> Requirement:
        """Everything selecting `type_name.field_name` demands, its return type's @auth too."""
        requirement = self.declared(type_name, field_name)
        returned = self.types.get(return_type) if return_type is not None else None
        return requirement & returned if returned is not None else requirement
