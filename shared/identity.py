"""Who is calling: the verified identity the router hands to every subgraph.

The router turns an access token or an API key into an ``Identity`` at the edge
and passes it to subgraphs only inside a short-lived signed internal token
(header ``INTERNAL_TOKEN_HEADER``); subgraphs never see the caller's own token.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

INTERNAL_TOKEN_HEADER = "x-mateway-identity"
# The caller's IP as the router saw it (per-IP throttling). Only the router sets it: clients'
# headers are never forwarded to subgraphs, and subgraphs accept only calls that carry a
# valid internal token, which only the router can mint.
CLIENT_IP_HEADER = "x-mateway-client-ip"


class Role(StrEnum):
    """Platform roles, least privilege first."""

    ANONYMOUS = "anonymous"
    USER = "user"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Order of privilege: anonymous < user < admin."""
        return list(Role).index(self)

    def allows(self, required: Role) -> bool:
        """True when a caller with this role may use something that requires `required`."""
        return self.rank >= required.rank


class CallerKind(StrEnum):
    """How the caller proved who they are."""

    ANONYMOUS = "anonymous"
    USER = "user"  # an access token from a signed-in session
    API_KEY = "api_key"  # a developer's or bot's API key
    # The platform itself (e.g. the router composing the supergraph reads `_service { sdl }`):
    # no user, no scopes, role ANONYMOUS; it proves only that the call comes from inside.
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class Identity:
    """A verified caller. Anonymous callers have no user id, role ANONYMOUS and no scopes."""

    kind: CallerKind
    role: Role
    user_id: str | None = None
    session_id: str | None = None  # the refresh-token family of a signed-in session
    api_key_id: str | None = None
    scopes: frozenset[str] = frozenset()

    @classmethod
    def anonymous(cls) -> Identity:
        """The identity of a caller who presented no credentials."""
        return cls(kind=CallerKind.ANONYMOUS, role=Role.ANONYMOUS)

    @classmethod
    def service(cls) -> Identity:
        """The platform's own calls (composition); grants nothing a user's role would."""
        return cls(kind=CallerKind.SERVICE, role=Role.ANONYMOUS)

    @property
    def is_authenticated(self) -> bool:
        """True for signed-in users and API keys."""
        return self.kind in (CallerKind.USER, CallerKind.API_KEY)

    def has_scopes(self, required: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
        """API keys carry scopes; a signed-in user's session holds every scope of their role."""
        if self.kind is CallerKind.USER:
            return True
        return all(scope in self.scopes for scope in required)

    def to_claims(self) -> dict[str, Any]:
        """The identity as JSON claims (for the internal token)."""
        claims: dict[str, Any] = {"kind": self.kind.value, "role": self.role.value}
        if self.user_id is not None:
            claims["sub"] = self.user_id
        if self.session_id is not None:
            claims["sid"] = self.session_id
        if self.api_key_id is not None:
            claims["kid_api"] = self.api_key_id
        if self.scopes:
            claims["scopes"] = sorted(self.scopes)
        return claims

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Identity:
        """The identity from verified claims; raises ValueError on unknown kinds or roles."""
        return cls(
            kind=CallerKind(claims["kind"]),
            role=Role(claims["role"]),
            user_id=claims.get("sub"),
            session_id=claims.get("sid"),
            api_key_id=claims.get("kid_api"),
            scopes=frozenset(claims.get("scopes", ())),
        )
